/**
 * Lock tokens are GUIDs. On a delivery they travel as the 16-byte delivery tag in .NET Guid byte
 * order (the SDK swaps bytes 0-3, 4-5 and 6-7 back before formatting); in `$management` requests
 * and in receive-by-sequence-number replies they travel in RFC 4122 order (pitfall 9). The broker
 * keeps them as strings.
 */
import { randomUUID } from 'node:crypto';
import { rhea } from './rhea.js';

export function newLockToken(): string {
  return randomUUID();
}

export function lockTokenToDeliveryTag(token: string): Buffer {
  return dotnetOrder(rhea.string_to_uuid(token));
}

export function deliveryTagToLockToken(tag: Buffer | string): string | undefined {
  const bytes = typeof tag === 'string' ? Buffer.from(tag) : tag;
  if (bytes.length !== 16) return undefined;
  return rhea.uuid_to_string(dotnetOrder(bytes));
}

/** A lock token from a `$management` request (an AMQP uuid, RFC order). */
export function managementLockToken(value: unknown): string | undefined {
  if (Buffer.isBuffer(value) && value.length === 16) return rhea.uuid_to_string(value);
  if (typeof value === 'string') return value.toLowerCase();
  return undefined;
}

/** RFC-order bytes of a lock token, for replies that carry it as an AMQP uuid. */
export function lockTokenBytes(token: string): Buffer {
  return rhea.string_to_uuid(token);
}

/** Swaps bytes 0-3, 4-5 and 6-7 (its own inverse); returns a new buffer. */
function dotnetOrder(b: Buffer): Buffer {
  const out = Buffer.from(b);
  out.subarray(0, 4).swap32();
  out.subarray(4, 6).swap16();
  out.subarray(6, 8).swap16();
  return out;
}
