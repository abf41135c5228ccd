import { describe, expect, it } from 'vitest';
import { parseIncoming, splitBatchEnvelope, withApplicationProperties } from '../src/amqp/message-codec.js';
import { decodeMessage, rhea } from '../src/amqp/rhea.js';
import { encodeStored } from '../src/amqp/wire-view.js';
import { deliveryTagToLockToken, lockTokenToDeliveryTag } from '../src/amqp/lock-token.js';
import { splitSections } from '../src/amqp/sections.js';
import type { StoredMessage } from '../src/queue/message.js';

const encode = (message: Record<string, unknown>): Buffer => rhea.message.encode(message);

function stored(raw: Buffer, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    ...parseIncoming(raw), seq: 7, acceptedAt: 1_000, enqueuedAt: 1_000, expiresAt: Number.POSITIVE_INFINITY,
    deliveryCount: 1, state: 'active', deadLettered: false, lock: undefined, ...extra,
  };
}

describe('message codec', () => {
  it('keeps the bare message byte for byte and regenerates header and annotations', () => {
    const raw = encode({
      durable: true,
      message_id: 'id-1',
      message_annotations: { 'x-opt-partition-key': 'p', 'x-opt-sequence-number': 999 },
      application_properties: { n: rhea.types.wrap_long(5) },
      body: rhea.message.data_section(Buffer.from('payload')),
    });
    const parsed = parseIncoming(raw);
    expect(parsed.messageId).toBe('id-1');
    expect(parsed.durable).toBe(true);
    const bareStart = splitSections(raw).find((s) => s.code === 0x73)!.start;
    expect(parsed.bare.equals(raw.subarray(bareStart))).toBe(true);

    const out = decodeMessage(encodeStored(stored(raw), 'receive'));
    expect(out.message_annotations).toMatchObject({ 'x-opt-partition-key': 'p', 'x-opt-sequence-number': 7, 'x-opt-message-state': 0 });
    expect(out.delivery_count).toBe(0);
    expect(out.durable).toBe(true);
    expect(Buffer.from((out.body as { content: Buffer }).content).toString()).toBe('payload');
  });

  it('assigns a message id when there is none, keeping the other properties', () => {
    const parsed = parseIncoming(encode({ subject: 's', body: 'x' }));
    expect(parsed.messageId).toMatch(/^[0-9a-f]{32}$/);
    const out = decodeMessage(parsed.bare);
    expect(out.message_id).toBe(parsed.messageId);
    expect(out.subject).toBe('s');
    expect(decodeMessage(parseIncoming(encode({ body: 'no properties at all' })).bare).message_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('sets application properties without changing the AMQP type of the others', () => {
    const bare = parseIncoming(encode({ message_id: 'm', application_properties: { long: rhea.types.wrap_long(5), keep: 'k' }, body: 'b' })).bare;
    const changed = withApplicationProperties(bare, { reason: 'r', keep: 'replaced', skipped: null });
    const reader = new (rhea.types as unknown as { Reader: new (b: Buffer) => { read(): { value: { type: { typecode: number } }[] } } }).Reader(
      changed.subarray(splitSections(changed).find((s) => s.code === 0x74)!.start),
    );
    const pairs = reader.read().value;
    expect(pairs[1]!.type.typecode).toBe(0x55); // small long stays a long, not an int
    expect(decodeMessage(changed).application_properties).toEqual({ long: 5, keep: 'replaced', reason: 'r' });
    expect(decodeMessage(changed).body).toBe('b');
  });

  it('splits a batch envelope into its messages', () => {
    const inner = [encode({ message_id: 'a', body: 1 }), encode({ message_id: 'b', body: 2 })];
    const envelope = encode({ body: rhea.message.data_sections(inner) });
    expect(splitBatchEnvelope(envelope).map((m) => parseIncoming(m).messageId)).toEqual(['a', 'b']);
  });

  it('puts lock tokens in .NET Guid byte order on the wire and reads them back', () => {
    const token = '01234567-89ab-cdef-0123-456789abcdef';
    const tag = lockTokenToDeliveryTag(token);
    expect(tag.subarray(0, 8).toString('hex')).toBe('67452301ab89efcd');
    expect(deliveryTagToLockToken(tag)).toBe(token);
  });
});
