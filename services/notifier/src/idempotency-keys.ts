// Deterministic idempotency keys for provider sends (DESIGN section 4): a retried or replayed
// delivery must reach ACS with the same keys, so ACS (and the simulator) drops the repeat
// instead of delivering a second message.
import { createHash } from 'node:crypto';

/** A fixed namespace for tapline's name-based UUIDs (random once, never change it). */
const TAPLINE_NAMESPACE = 'b3c1f0a2-6d4e-4c1b-9a57-2f0e8d6c4a19';

/** RFC 9562 section 5.5 name-based UUID (version 5, SHA-1): stable for the same name. */
export function uuidV5(name: string, namespace: string = TAPLINE_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error('uuidV5: namespace is not a UUID');
  const bytes = createHash('sha1').update(ns).update(name, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What a send is for: the TAP itself, or the manager's confirmation or denial notice. */
export type SendPurpose = 'tap' | 'confirmation' | 'denial-notice';

export interface SendIdentity {
  readonly requestId: string;
  /** The TAP id for deliveries; the reference id for denial notices. */
  readonly tapId: string;
  readonly purpose: SendPurpose;
}

// Fields are joined with a separator that cannot appear in ids, E.164 numbers or addresses.
const key = (parts: readonly string[]): string => parts.join('\u0000');

/** SMS `repeatabilityRequestId` for one recipient (E.164) of one send. */
export function smsRepeatabilityId(send: SendIdentity, recipientE164: string): string {
  return uuidV5(key(['sms', send.purpose, send.requestId, send.tapId, recipientE164]));
}

/** Email `Operation-Id` for one recipient address of one send. */
export function emailOperationId(send: SendIdentity, recipientAddress: string): string {
  return uuidV5(key(['email', send.purpose, send.requestId, send.tapId, recipientAddress.toLowerCase()]));
}

/**
 * SMS `repeatabilityFirstSent` (IMF-fixdate): derived from when the TAP was issued, so every
 * attempt of the same delivery carries the same value without persisting anything.
 */
export function repeatabilityFirstSent(issuedAt: Date): string {
  return issuedAt.toUTCString();
}
