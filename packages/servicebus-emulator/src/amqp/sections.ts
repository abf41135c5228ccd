/**
 * Splits an encoded AMQP 1.0 message into its sections without decoding them, so the bare message
 * (properties, application properties, body, footer) can be stored and re-sent byte for byte
 * (reference/servicebus-wire.md, pitfall 1: re-encoding a decoded message loses AMQP types).
 */

export const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  sequence: 0x76,
  value: 0x77,
  footer: 0x78,
} as const;

const SYMBOLIC: Record<string, number> = {
  'amqp:header:list': SECTION.header,
  'amqp:delivery-annotations:map': SECTION.deliveryAnnotations,
  'amqp:message-annotations:map': SECTION.messageAnnotations,
  'amqp:properties:list': SECTION.properties,
  'amqp:application-properties:map': SECTION.applicationProperties,
  'amqp:data:binary': SECTION.data,
  'amqp:amqp-sequence:list': SECTION.sequence,
  'amqp:value:*': SECTION.value,
  'amqp:footer:map': SECTION.footer,
};

export interface SectionSpan {
  code: number;
  /** Offset of the 0x00 descriptor constructor. */
  start: number;
  /** Offset of the section's value constructor (after the descriptor). */
  valueStart: number;
  end: number;
}

export class MalformedMessageError extends Error {}

/** Offset just past the encoded value (with any descriptors) starting at `pos`. */
export function skipValue(buf: Buffer, pos: number): number {
  let p = pos;
  while (need(buf, p, 1) === 0x00) {
    p = skipValue(buf, p + 1); // the descriptor
  }
  const code = need(buf, p, 1);
  p += 1;
  const sub = code >> 4;
  switch (sub) {
    case 0x4: return p;
    case 0x5: return checkEnd(buf, p + 1);
    case 0x6: return checkEnd(buf, p + 2);
    case 0x7: return checkEnd(buf, p + 4);
    case 0x8: return checkEnd(buf, p + 8);
    case 0x9: return checkEnd(buf, p + 16);
    case 0xa: case 0xc: case 0xe: return checkEnd(buf, p + 1 + need(buf, p, 1));
    case 0xb: case 0xd: case 0xf: return checkEnd(buf, p + 4 + buf.readUInt32BE(needPos(buf, p, 4)));
    default: throw new MalformedMessageError(`unknown AMQP type code 0x${code.toString(16)} at ${p - 1}`);
  }
}

export function splitSections(buf: Buffer): SectionSpan[] {
  const spans: SectionSpan[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf[pos] !== 0x00) throw new MalformedMessageError(`expected a described section at ${pos}`);
    const descriptorStart = pos + 1;
    const valueStart = skipValue(buf, descriptorStart);
    const code = readDescriptorCode(buf, descriptorStart);
    const end = skipValue(buf, valueStart);
    spans.push({ code, start: pos, valueStart, end });
    pos = end;
  }
  return spans;
}

/** The payload bytes of a data section (a binary value). */
export function dataSectionPayload(buf: Buffer, span: SectionSpan): Buffer {
  const code = buf[span.valueStart];
  if (code === 0xa0) return buf.subarray(span.valueStart + 2, span.end);
  if (code === 0xb0) return buf.subarray(span.valueStart + 5, span.end);
  throw new MalformedMessageError('data section does not hold binary');
}

/**
 * The key/value pairs of an encoded map value, each as a byte range, with the key read as a
 * string (annotation keys are symbols; application-property keys are strings).
 */
export function mapEntries(buf: Buffer, valueStart: number): { key: string; start: number; end: number }[] {
  const code = need(buf, valueStart, 1);
  let pos: number;
  let count: number;
  if (code === 0xc1) {
    count = need(buf, valueStart + 2, 1);
    pos = valueStart + 3;
  } else if (code === 0xd1) {
    count = buf.readUInt32BE(needPos(buf, valueStart + 5, 4));
    pos = valueStart + 9;
  } else {
    throw new MalformedMessageError(`expected a map, found type 0x${code.toString(16)}`);
  }
  const entries: { key: string; start: number; end: number }[] = [];
  for (let i = 0; i < count; i += 2) {
    const start = pos;
    const key = readStringLike(buf, pos);
    const valuePos = skipValue(buf, pos);
    pos = skipValue(buf, valuePos);
    entries.push({ key, start, end: pos });
  }
  return entries;
}

/** Reads a str/sym value; other key types are rendered as their type code. */
export function readStringLike(buf: Buffer, pos: number): string {
  const code = need(buf, pos, 1);
  if (code === 0xa1 || code === 0xa3) return buf.toString('utf8', pos + 2, pos + 2 + need(buf, pos + 1, 1));
  if (code === 0xb1 || code === 0xb3) {
    const len = buf.readUInt32BE(needPos(buf, pos + 1, 4));
    return buf.toString('utf8', pos + 5, pos + 5 + len);
  }
  return `#0x${code.toString(16)}`;
}

/** A timestamp (0x83) at `pos` as epoch milliseconds, or undefined for another type. */
export function readTimestamp(buf: Buffer, pos: number): number | undefined {
  if (buf[pos] !== 0x83) return undefined;
  return Number(buf.readBigInt64BE(needPos(buf, pos + 1, 8)));
}

function readDescriptorCode(buf: Buffer, pos: number): number {
  const code = need(buf, pos, 1);
  if (code === 0x53) return need(buf, pos + 1, 1);
  if (code === 0x80) return Number(buf.readBigUInt64BE(needPos(buf, pos + 1, 8)));
  if (code === 0x44) return 0;
  const symbolic = SYMBOLIC[readStringLike(buf, pos)];
  if (symbolic === undefined) throw new MalformedMessageError('unknown section descriptor');
  return symbolic;
}

/** The byte at `pos`, after checking that `width` bytes are there. */
function need(buf: Buffer, pos: number, width: number): number {
  if (pos + width > buf.length) throw new MalformedMessageError('truncated AMQP value');
  return buf[pos] ?? 0;
}

function needPos(buf: Buffer, pos: number, width: number): number {
  if (pos + width > buf.length) throw new MalformedMessageError('truncated AMQP value');
  return pos;
}

function checkEnd(buf: Buffer, end: number): number {
  if (end > buf.length) throw new MalformedMessageError('truncated AMQP value');
  return end;
}
