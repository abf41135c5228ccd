// Building and publishing the two outcome messages on tap-deliveries. Both carry deterministic
// message ids (duplicate detection drops a re-publish), contacts sealed with AAD bound to the
// request (and TAP), and the callback the notifier needs to resume Entra.
import {
  REPORTED_REASON_NAMES, SCHEMA_VERSION, deliveryMessageId, denialMessageId, encodeDeliveryContacts, encodeTapOutcome,
  referenceIdFor, sealingAad,
} from '@tapline/domain';
import type { DeliveryContacts, ReportedReason, TapDeliveryMessage, TapDenialMessage, TapRequestMessage } from '@tapline/domain';
import type { IssuedTap } from '@tapline/graph';
import type { OutboundMessage } from '@tapline/messaging';
import type { WorkerDeps } from './ports.js';

const CONTENT_TYPE = 'application/json';

/** What an issued TAP needs to be published again within the same handler run (no second TAP). */
export interface PendingDelivery {
  readonly tapId: string;
  readonly message: OutboundMessage;
}

export function deliveryFor(deps: WorkerDeps, msg: TapRequestMessage, tap: IssuedTap, contacts: DeliveryContacts, expiresAt: Date, attempt: number): PendingDelivery {
  const body: TapDeliveryMessage = {
    kind: 'delivery',
    schemaVersion: SCHEMA_VERSION,
    requestId: msg.requestId,
    tapId: tap.id,
    targetId: msg.targetId,
    requestorId: msg.requestorId,
    issuedAt: new Date(tap.createdDateTime).toISOString(),
    expiresAt: expiresAt.toISOString(),
    lifetimeMinutes: tap.lifetimeInMinutes,
    isUsableOnce: tap.isUsableOnce,
    sealedSecret: deps.sealer.seal(tap.secret, sealingAad(msg.requestId, tap.id, 'secret')),
    sealedContacts: deps.sealer.seal(encodeDeliveryContacts(contacts), sealingAad(msg.requestId, tap.id, 'contacts')),
    ...(msg.callback !== undefined && { callback: msg.callback }),
    attempt,
    ...(msg.traceparent !== undefined && { traceparent: msg.traceparent }),
  };
  return {
    tapId: tap.id,
    message: {
      body: Buffer.from(encodeTapOutcome(body), 'utf8'),
      messageId: deliveryMessageId(msg.requestId, tap.id),
      correlationId: msg.requestId,
      contentType: CONTENT_TYPE,
      subject: 'delivery',
      applicationProperties: { kind: 'delivery' },
    },
  };
}

/** Sends a delivery with a TTL that ends when the TAP does (a stale delivery expires unsent). */
export async function publishDelivery(deps: WorkerDeps, pending: PendingDelivery, expiresAt: Date): Promise<void> {
  const ttl = Math.max(1_000, expiresAt.getTime() - deps.now().getTime());
  await deps.deliveries.send({ ...pending.message, timeToLiveMs: ttl });
}

export async function publishDenial(
  deps: WorkerDeps, msg: TapRequestMessage, reasons: readonly ReportedReason[], managerContacts: DeliveryContacts, attempt: number,
): Promise<void> {
  const body: TapDenialMessage = {
    kind: 'denial',
    schemaVersion: SCHEMA_VERSION,
    requestId: msg.requestId,
    referenceId: referenceIdFor(msg.requestId),
    targetId: msg.targetId,
    requestorId: msg.requestorId,
    // In the domain's order, so a re-publish is byte-identical in what matters.
    reasons: REPORTED_REASON_NAMES.filter((r) => reasons.includes(r)),
    sealedContacts: deps.sealer.seal(encodeDeliveryContacts(managerContacts), sealingAad(msg.requestId, null, 'contacts')),
    ...(msg.callback !== undefined && { callback: msg.callback }),
    decidedAt: deps.now().toISOString(),
    attempt,
    ...(msg.traceparent !== undefined && { traceparent: msg.traceparent }),
  };
  await deps.deliveries.send({
    body: Buffer.from(encodeTapOutcome(body), 'utf8'),
    messageId: denialMessageId(msg.requestId),
    correlationId: msg.requestId,
    contentType: CONTENT_TYPE,
    subject: 'denial',
    applicationProperties: { kind: 'denial' },
  });
}
