/**
 * The fields a send needs from the header (durable, priority, ttl) and properties (message-id)
 * sections. Decoding a whole section with rhea's reader cost more than the rest of a send's parse
 * (it builds a typed value per field), so the common encodings are read straight from the bytes:
 * a list whose every field has one of the simple type codes below. Anything else (described
 * fields, arrays, maps, other types) goes through rhea, as before; the two paths are checked
 * against each other in test/list-fields.test.ts.
 */
import { amqpTypes, rhea, type TypedValue } from './rhea.js';
import type { SectionSpan } from './sections.js';

export interface HeaderFields {
  durable: boolean;
  priority: number | undefined;
  ttlMs: number | undefined;
}

/** A field present but of a type the fast path does not turn into a value. */
const OTHER = Symbol('other');
type Field = null | boolean | number | string | typeof OTHER;

/** The header's durable, priority and ttl. */
export function readHeader(raw: Buffer, span: SectionSpan): HeaderFields {
  const fields = simpleListFields(raw, span, 3);
  if (fields === undefined || fields[0] === OTHER || fields[1] === OTHER || fields[2] === OTHER) return readHeaderDecoded(raw, span);
  return {
    durable: fields[0] === true,
    priority: typeof fields[1] === 'number' ? fields[1] : undefined,
    ttlMs: typeof fields[2] === 'number' ? fields[2] : undefined,
  };
}

export function readHeaderDecoded(raw: Buffer, span: SectionSpan): HeaderFields {
  const fields = readList(raw, span);
  return {
    durable: fields[0]?.value === true,
    priority: typeof fields[1]?.value === 'number' ? fields[1].value : undefined,
    ttlMs: typeof fields[2]?.value === 'number' ? fields[2].value : undefined,
  };
}

/** properties.message-id as Service Bus shows it, or undefined when it is null or absent. */
export function readMessageId(raw: Buffer, span: SectionSpan): string | undefined {
  const fields = simpleListFields(raw, span, 1);
  if (fields === undefined || fields[0] === OTHER) return readMessageIdDecoded(raw, span);
  const first = fields[0];
  if (first === undefined || first === null) return undefined;
  // Only the simple values of `simpleListFields` reach here (strings, numbers, booleans): each as
  // String(value), as rhea's decoded path below gives them.
  return String(first);
}

export function readMessageIdDecoded(raw: Buffer, span: SectionSpan): string | undefined {
  const first = readList(raw, span)[0];
  if (!first || first.value === null || first.value === undefined) return undefined;
  if (first.type.typecode === 0x98 && Buffer.isBuffer(first.value)) return rhea.uuid_to_string(first.value);
  if (Buffer.isBuffer(first.value)) return first.value.toString('hex');
  return typeof first.value === 'string' || typeof first.value === 'number' ? String(first.value) : JSON.stringify(first.value);
}

/** The fields of a described list section, decoded by rhea ([] when the value is not a list). */
export function readList(raw: Buffer, span: SectionSpan): TypedValue[] {
  const described = new amqpTypes.Reader(raw.subarray(span.start, span.end)).read();
  return Array.isArray(described.value) ? (described.value as TypedValue[]) : [];
}

/**
 * The first `want` fields of the list in `span` (fewer if the list is shorter), each as the value
 * rhea would give it, or OTHER; undefined when the section's value is not a list or any of its
 * fields has a type code outside the simple ones or does not fit, so rhea decides (and throws
 * where it would throw).
 */
function simpleListFields(raw: Buffer, span: SectionSpan, want: number): Field[] | undefined {
  const end = span.end;
  let p = span.valueStart;
  const code = raw[p];
  let count: number;
  if (code === 0x45) return [];
  if (code === 0xc0) {
    if (p + 3 > end) return undefined;
    count = raw[p + 2]!;
    p += 3;
  } else if (code === 0xd0) {
    if (p + 9 > end) return undefined;
    count = raw.readUInt32BE(p + 5);
    p += 9;
  } else {
    return undefined;
  }
  const fields: Field[] = [];
  for (let i = 0; i < count; i++) {
    if (p >= end) return undefined;
    const type = raw[p]!;
    let next: number;
    let value: Field = OTHER;
    switch (type) {
      case 0x40: next = p + 1; value = null; break;
      case 0x41: next = p + 1; value = true; break;
      case 0x42: next = p + 1; value = false; break;
      case 0x43: next = p + 1; value = 0; break;
      case 0x44: next = p + 1; break;
      case 0x50: case 0x52: next = p + 2; if (next <= end) value = raw[p + 1]!; break;
      case 0x53: case 0x54: case 0x55: case 0x56: next = p + 2; break;
      case 0x70: next = p + 5; if (next <= end) value = raw.readUInt32BE(p + 1); break;
      case 0x71: next = p + 5; break;
      case 0x80: case 0x81: case 0x83: next = p + 9; break;
      case 0x98: next = p + 17; break;
      case 0xa1: case 0xa0: case 0xa3:
        next = p + 2 + (p + 2 <= end ? raw[p + 1]! : 0);
        if (type === 0xa1 && i < want && next <= end) value = raw.toString('utf8', p + 2, next);
        break;
      case 0xb1: case 0xb0: case 0xb3:
        if (p + 5 > end) return undefined;
        next = p + 5 + raw.readUInt32BE(p + 1);
        if (type === 0xb1 && i < want && next <= end) value = raw.toString('utf8', p + 5, next);
        break;
      default:
        return undefined;
    }
    if (next > end) return undefined;
    if (i < want) fields.push(value);
    p = next;
  }
  return fields;
}
