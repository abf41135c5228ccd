/**
 * What the broker stores of a message and how it is put back on the wire. The bare message is kept
 * byte-exact; the header and message annotations are regenerated per delivery with the broker's
 * view (sequence number, enqueued time, lock, state, delivery count).
 */
import { randomUUID } from 'node:crypto';
import { readHeader, readList, readMessageId } from './list-fields.js';
import { amqpTypes, type TypedValue } from './rhea.js';
import {
  MalformedMessageError, SECTION, mapEntries, readTimestamp, splitSections, type SectionSpan,
} from './sections.js';

/** Annotations the broker owns: a sender's values for these are dropped, never echoed. */
const BROKER_ANNOTATIONS = new Set([
  'x-opt-sequence-number', 'x-opt-enqueued-time', 'x-opt-locked-until', 'x-opt-message-state',
  'x-opt-enqueue-sequence-number', 'x-opt-deadletter-source', 'x-opt-lock-token',
]);
const SCHEDULED_ENQUEUE_TIME = 'x-opt-scheduled-enqueue-time';
/** A message without annotations of its own (most): one shared, never-written buffer. */
const NO_ANNOTATIONS = Buffer.alloc(0);

export interface WireMessage {
  /** Properties, application properties, body and footer sections, exactly as sent. */
  bare: Buffer;
  messageId: string;
  durable: boolean;
  priority: number | undefined;
  /** The sender's `header.ttl`, if any. */
  ttlMs: number | undefined;
  /** The sender's own message annotations (encoded key/value pairs) and their count. */
  annotations: Buffer;
  annotationCount: number;
  scheduledAt: number | undefined;
}

/** Parses one complete encoded message as a sender sent it. */
export function parseIncoming(raw: Buffer): WireMessage {
  const spans = splitSections(raw);
  let durable = false;
  let priority: number | undefined;
  let ttlMs: number | undefined;
  let scheduledAt: number | undefined;
  const kept: Buffer[] = [];
  let annotationCount = 0;
  let bareStart = raw.length;
  let properties: SectionSpan | undefined;
  for (const span of spans) {
    if (span.code === SECTION.header) {
      ({ durable, priority, ttlMs } = readHeader(raw, span));
    } else if (span.code === SECTION.messageAnnotations) {
      for (const entry of mapEntries(raw, span.valueStart)) {
        if (entry.key === SCHEDULED_ENQUEUE_TIME) {
          scheduledAt = readTimestamp(raw, skipKey(raw, entry.start));
        }
        if (!BROKER_ANNOTATIONS.has(entry.key)) {
          kept.push(raw.subarray(entry.start, entry.end));
          annotationCount++;
        }
      }
    } else if (span.code >= SECTION.properties && bareStart === raw.length) {
      bareStart = span.start;
    }
    if (span.code === SECTION.properties) properties = span;
  }
  let bare = raw.subarray(bareStart);
  let messageId = properties ? readMessageId(raw, properties) : undefined;
  if (messageId === undefined) {
    // The SDK's lock renewer keys its timers by messageId (pitfall 7); Service Bus assigns one.
    messageId = randomUUID().replace(/-/g, '');
    bare = withMessageId(bare, properties ? properties.start - bareStart : undefined, properties ? properties.end - bareStart : undefined, messageId);
  }
  // Copy out of the socket buffer: the stored message outlives the frame it came in.
  return {
    bare: Buffer.from(bare),
    messageId,
    durable,
    priority,
    ttlMs,
    annotations: kept.length === 0 ? NO_ANNOTATIONS : Buffer.concat(kept),
    annotationCount,
    scheduledAt,
  };
}

export interface DeliveryView {
  bare: Buffer;
  durable: boolean;
  priority: number | undefined;
  /** Effective time to live, or undefined when it does not fit AMQP's uint milliseconds. */
  ttlMs: number | undefined;
  annotations: Buffer;
  annotationCount: number;
  sequenceNumber: number;
  enqueuedAt: number;
  lockedUntil: number | undefined;
  /** 0 active, 1 deferred, 2 scheduled (x-opt-message-state). */
  state: number;
  /** header.delivery_count: previous deliveries on receive, all deliveries on peek. */
  deliveryCount: number;
}

const KEY_SEQUENCE = symbol('x-opt-sequence-number');
const KEY_ENQUEUED = symbol('x-opt-enqueued-time');
const KEY_LOCKED = symbol('x-opt-locked-until');
const KEY_STATE = symbol('x-opt-message-state');

/** Encodes header + message annotations + the stored bare message, ready for a transfer. */
export function encodeForDelivery(m: DeliveryView): Buffer {
  const ownPairs = m.lockedUntil === undefined ? 3 : 4;
  const annotationBytes =
    KEY_SEQUENCE.length + 9 + KEY_ENQUEUED.length + 9 + KEY_STATE.length + 5 +
    (m.lockedUntil === undefined ? 0 : KEY_LOCKED.length + 9) + m.annotations.length;
  const headerBytes = 3 + 9 + 1 + (m.priority === undefined ? 1 : 2) + (m.ttlMs === undefined ? 1 : 5) + 1 + 5;
  const out = Buffer.allocUnsafe(headerBytes + 3 + 9 + annotationBytes + m.bare.length);
  let p = 0;
  // header: described list32 of durable, priority, ttl, first-acquirer, delivery-count
  p = out.writeUInt8(0x00, p); p = out.writeUInt8(0x53, p); p = out.writeUInt8(SECTION.header, p);
  p = out.writeUInt8(0xd0, p);
  p = out.writeUInt32BE(headerBytes - 3 - 5, p);
  p = out.writeUInt32BE(5, p);
  p = out.writeUInt8(m.durable ? 0x41 : 0x42, p);
  if (m.priority === undefined) p = out.writeUInt8(0x40, p);
  else { p = out.writeUInt8(0x50, p); p = out.writeUInt8(m.priority, p); }
  if (m.ttlMs === undefined) p = out.writeUInt8(0x40, p);
  else { p = out.writeUInt8(0x70, p); p = out.writeUInt32BE(m.ttlMs, p); }
  p = out.writeUInt8(0x42, p);
  p = out.writeUInt8(0x70, p); p = out.writeUInt32BE(m.deliveryCount, p);
  // message annotations: described map32
  p = out.writeUInt8(0x00, p); p = out.writeUInt8(0x53, p); p = out.writeUInt8(SECTION.messageAnnotations, p);
  p = out.writeUInt8(0xd1, p);
  p = out.writeUInt32BE(4 + annotationBytes, p);
  p = out.writeUInt32BE((ownPairs + m.annotationCount) * 2, p);
  p += KEY_SEQUENCE.copy(out, p); p = out.writeUInt8(0x81, p); p = writeUint64(out, m.sequenceNumber, p);
  p += KEY_ENQUEUED.copy(out, p); p = out.writeUInt8(0x83, p); p = writeUint64(out, m.enqueuedAt, p);
  p += KEY_STATE.copy(out, p); p = out.writeUInt8(0x71, p); p = out.writeInt32BE(m.state, p);
  if (m.lockedUntil !== undefined) {
    p += KEY_LOCKED.copy(out, p); p = out.writeUInt8(0x83, p); p = writeUint64(out, m.lockedUntil, p);
  }
  p += m.annotations.copy(out, p);
  m.bare.copy(out, p);
  return out;
}

/**
 * Returns the bare message with entries set in its application properties (added or replaced;
 * null and undefined values are skipped). Existing entries keep their exact AMQP types.
 */
export function withApplicationProperties(bare: Buffer, changes: Record<string, unknown>): Buffer {
  const updates = Object.entries(changes).filter(([, v]) => v !== null && v !== undefined);
  if (updates.length === 0) return bare;
  const spans = splitSections(bare);
  const existing = spans.find((s) => s.code === SECTION.applicationProperties);
  const items: TypedValue[] = [];
  const pending = new Map(updates);
  if (existing) {
    const map = new amqpTypes.Reader(bare.subarray(existing.start, existing.end)).read();
    const pairs = map.value as TypedValue[];
    for (let i = 0; i + 1 < pairs.length; i += 2) {
      const key = pairs[i] as TypedValue;
      const name = String(key.value);
      items.push(key, pending.has(name) ? amqpTypes.wrap(pending.get(name)) : (pairs[i + 1] as TypedValue));
      pending.delete(name);
    }
  }
  for (const [name, value] of pending) items.push(amqpTypes.wrap_string(name), amqpTypes.wrap(value));
  const writer = new amqpTypes.Writer();
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(SECTION.applicationProperties), amqpTypes.Map32(items)));
  const section = writer.toBuffer();
  if (existing) {
    return Buffer.concat([bare.subarray(0, existing.start), section, bare.subarray(existing.end)]);
  }
  // Application properties follow the properties section, if there is one.
  const properties = spans.find((s) => s.code === SECTION.properties);
  const at = properties ? properties.end : 0;
  return Buffer.concat([bare.subarray(0, at), section, bare.subarray(at)]);
}

/** Splits a batch envelope (message-format 0x80013700) into its encoded messages. */
export function splitBatchEnvelope(envelope: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  for (const span of splitSections(envelope)) {
    if (span.code !== SECTION.data) continue;
    const code = envelope[span.valueStart];
    const payloadStart = span.valueStart + (code === 0xa0 ? 2 : 5);
    if (code !== 0xa0 && code !== 0xb0) throw new MalformedMessageError('batch data section does not hold binary');
    messages.push(envelope.subarray(payloadStart, span.end));
  }
  return messages;
}

/** Sets properties.message_id, keeping every other property field as it was. */
function withMessageId(bare: Buffer, start: number | undefined, end: number | undefined, messageId: string): Buffer {
  let fields: TypedValue[] = [];
  if (start !== undefined && end !== undefined) {
    fields = readList(bare, { code: SECTION.properties, start, valueStart: start, end });
  }
  fields = fields.length > 0 ? [...fields] : [];
  fields[0] = amqpTypes.wrap_string(messageId);
  const writer = new amqpTypes.Writer();
  writer.write(amqpTypes.described(amqpTypes.wrap_ulong(SECTION.properties), amqpTypes.List32(fields)));
  const section = writer.toBuffer();
  if (start === undefined || end === undefined) return Buffer.concat([section, bare]);
  return Buffer.concat([bare.subarray(0, start), section, bare.subarray(end)]);
}

function skipKey(raw: Buffer, keyStart: number): number {
  const code = raw[keyStart];
  return code === 0xa3 || code === 0xa1 ? keyStart + 2 + (raw[keyStart + 1] ?? 0) : keyStart + 5 + raw.readUInt32BE(keyStart + 1);
}

/** A non-negative integer below 2^53 as 8 big-endian bytes, without a BigInt per call. */
function writeUint64(out: Buffer, value: number, p: number): number {
  out.writeUInt32BE(Math.floor(value / 0x100000000), p);
  return out.writeUInt32BE(value >>> 0, p + 4);
}

function symbol(name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8');
  return Buffer.concat([Buffer.from([0xa3, bytes.length]), bytes]);
}
