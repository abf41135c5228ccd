import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readHeader, readHeaderDecoded, readMessageId, readMessageIdDecoded,
} from '../src/amqp/list-fields.js';
import { parseIncoming } from '../src/amqp/message-codec.js';
import { rhea } from '../src/amqp/rhea.js';
import { splitSections } from '../src/amqp/sections.js';

const bytes = (...parts: (number | number[] | Buffer)[]): Buffer =>
  Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(typeof p === 'number' ? [p] : p))));
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const fixed = (code: number, width: number) => fc.uint8Array({ minLength: width, maxLength: width }).map((v) => bytes(code, Buffer.from(v)));
const text = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => Buffer.from(s, 'utf8')),
  fc.uint8Array({ maxLength: 40 }).map((v) => Buffer.from(v)), // not always valid UTF-8
);
const variable = (code8: number, code32: number) =>
  fc.tuple(fc.boolean(), text).map(([short, v]) => (short ? bytes(code8, v.length, v) : bytes(code32, u32(v.length), v)));

/** One encoded list field: every simple type the fast path reads, and some it leaves to rhea. */
const field: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(bytes(0x40), bytes(0x41), bytes(0x42), bytes(0x43), bytes(0x44)),
  fixed(0x50, 1), fixed(0x52, 1), fixed(0x53, 1), fixed(0x54, 1), fixed(0x55, 1), fixed(0x56, 1),
  fixed(0x70, 4), fixed(0x71, 4), fixed(0x80, 8), fixed(0x81, 8), fixed(0x83, 8), fixed(0x98, 16),
  variable(0xa1, 0xb1), variable(0xa0, 0xb0), variable(0xa3, 0xb3),
  // Left to rhea: other types, a described value, compound values.
  fixed(0x60, 2), fixed(0x72, 4), fixed(0x82, 8),
  fc.constantFrom(bytes(0x00, 0x53, 0x01, 0x40), bytes(0x45), bytes(0xc1, 1, 0), bytes(0xc0, 2, 1, 0x41)),
);

/**
 * A header or properties section: list0, list8 or list32; sometimes the count is off by one, the
 * last field cut short or a byte changed.
 */
const section = fc
  .record({
    code: fc.constantFrom(0x70, 0x73),
    fields: fc.array(field, { maxLength: 14 }),
    form: fc.constantFrom('list0', 'list8', 'list32'),
    countSkew: fc.constantFrom(0, 0, 0, -1, 1),
    cut: fc.constantFrom(0, 0, 0, 0, 1, 2),
    flip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { freq: 4 }),
  })
  .map(({ code, fields, form, countSkew, cut, flip }) => {
    const whole = Buffer.concat(fields);
    const body = whole.subarray(0, Math.max(0, whole.length - cut));
    const count = Math.max(0, fields.length + countSkew);
    let list: Buffer;
    if (form === 'list0' || fields.length === 0) list = bytes(0x45);
    else if (form === 'list8' && body.length + 1 <= 255 && count <= 255) list = bytes(0xc0, body.length + 1, count, body);
    else list = bytes(0xd0, u32(body.length + 4), u32(count), body);
    const raw = bytes(0x00, 0x53, code, list);
    // Changes land in the fields (a huge count makes rhea allocate an array that size: slow, not interesting).
    const fieldsAt = raw.length - (list.length > 1 ? body.length : 0);
    if (flip && fieldsAt < raw.length) raw[fieldsAt + (flip[0] % (raw.length - fieldsAt))]! ^= flip[1];
    return raw;
  });

function outcome<T>(read: () => T): { value: T } | { threw: true } {
  try {
    return { value: read() };
  } catch {
    return { threw: true };
  }
}

describe('header and properties fields read from the bytes', () => {
  it('agree with rhea decoding the section, or both refuse it', () => {
    fc.assert(
      fc.property(section, (raw) => {
        let span;
        try {
          span = splitSections(raw)[0];
        } catch {
          return; // parseIncoming refuses it before reading fields
        }
        if (!span) return;
        expect(outcome(() => readHeader(raw, span))).toEqual(outcome(() => readHeaderDecoded(raw, span)));
        expect(outcome(() => readMessageId(raw, span))).toEqual(outcome(() => readMessageIdDecoded(raw, span)));
      }),
      { numRuns: 3000 },
    );
  });

  it('reads what the SDK sends', () => {
    const raw = rhea.message.encode({
      durable: true, priority: 7, ttl: 90_000, message_id: 'stage-1:attempt-1', correlation_id: 'c', content_type: 'application/json',
      application_properties: { traceparent: 't' }, body: rhea.message.data_section(Buffer.from('{}')) as unknown,
    });
    const parsed = parseIncoming(raw);
    expect(parsed).toMatchObject({ messageId: 'stage-1:attempt-1', durable: true, priority: 7, ttlMs: 90_000, annotationCount: 0 });
    expect(parsed.annotations.length).toBe(0);
    const numeric = parseIncoming(rhea.message.encode({ message_id: 42, body: 'x' }));
    expect(numeric.messageId).toBe('42');
  });
});
