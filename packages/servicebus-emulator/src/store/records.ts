/**
 * Journal records. Each is framed as [u32 body length][u32 CRC-32 of body][body], so a record torn
 * by a crash mid-write is detected on replay and the log is cut there.
 */
import { crc32 } from 'node:zlib';
import { storedMessage, type MessageState, type StoredMessage } from '../queue/message.js';

export const RECORD = { put: 1, remove: 2, update: 3, purge: 4, dedup: 5, nextSeq: 6 } as const;

const STATES: MessageState[] = ['active', 'deferred', 'scheduled'];

export type JournalRecord =
  | { type: typeof RECORD.put; queue: string; message: StoredMessage }
  | { type: typeof RECORD.remove; queue: string; seq: number }
  | { type: typeof RECORD.update; queue: string; seq: number; state: MessageState; deadLettered: boolean; deliveryCount: number }
  | { type: typeof RECORD.purge; queue: string; upToSeq: number }
  | { type: typeof RECORD.dedup; queue: string; messageId: string; acceptedAt: number }
  | { type: typeof RECORD.nextSeq; queue: string; nextSeq: number };

export function encodePut(queue: string, m: StoredMessage): Buffer {
  const w = new Writer(96 + Buffer.byteLength(queue) + Buffer.byteLength(m.messageId) + m.annotations.length + m.bare.length);
  w.u8(RECORD.put).str(queue).f64(m.seq).u8(flags(m.state, m.deadLettered, m.durable)).u8(m.priority ?? 255)
    .f64(m.acceptedAt).f64(m.enqueuedAt).f64(m.expiresAt).f64(m.ttlMs ?? Number.NaN).f64(m.scheduledAt ?? Number.NaN)
    .u32(m.deliveryCount).str(m.messageId).u32(m.annotationCount).bytes(m.annotations).bytes(m.bare);
  return w.frame();
}

export function encodeUpdate(queue: string, m: StoredMessage): Buffer {
  return new Writer(32 + Buffer.byteLength(queue)).u8(RECORD.update).str(queue).f64(m.seq)
    .u8(flags(m.state, m.deadLettered, m.durable)).u32(m.deliveryCount).frame();
}

export function encodeRemove(queue: string, seq: number): Buffer {
  return new Writer(24 + Buffer.byteLength(queue)).u8(RECORD.remove).str(queue).f64(seq).frame();
}

export function encodePurge(queue: string, upToSeq: number): Buffer {
  return new Writer(24 + Buffer.byteLength(queue)).u8(RECORD.purge).str(queue).f64(upToSeq).frame();
}

export function encodeDedup(queue: string, messageId: string, acceptedAt: number): Buffer {
  return new Writer(32 + Buffer.byteLength(queue) + Buffer.byteLength(messageId)).u8(RECORD.dedup).str(queue)
    .str(messageId).f64(acceptedAt).frame();
}

export function encodeNextSeq(queue: string, nextSeq: number): Buffer {
  return new Writer(24 + Buffer.byteLength(queue)).u8(RECORD.nextSeq).str(queue).f64(nextSeq).frame();
}

/** Reads records from `buf`; stops at the first torn or corrupt one and reports where. */
export function decodeAll(buf: Buffer): { records: JournalRecord[]; validBytes: number } {
  const records: JournalRecord[] = [];
  let pos = 0;
  while (pos + 8 <= buf.length) {
    const length = buf.readUInt32LE(pos);
    const end = pos + 8 + length;
    if (length === 0 || end > buf.length) break;
    const body = buf.subarray(pos + 8, end);
    if (crc32(body) !== buf.readUInt32LE(pos + 4)) break;
    let record: JournalRecord | undefined;
    try {
      record = decodeBody(body);
    } catch {
      record = undefined;
    }
    if (!record) break;
    records.push(record);
    pos = end;
  }
  return { records, validBytes: pos };
}

function decodeBody(body: Buffer): JournalRecord | undefined {
  const r = new Reader(body);
  const type = r.u8();
  const queue = r.str();
  switch (type) {
    case RECORD.put: {
      const seq = r.f64();
      const f = r.u8();
      const priority = r.u8();
      const acceptedAt = r.f64();
      const enqueuedAt = r.f64();
      const expiresAt = r.f64();
      const ttl = r.f64();
      const scheduledAt = r.f64();
      const deliveryCount = r.u32();
      const messageId = r.str();
      const annotationCount = r.u32();
      const annotations = Buffer.from(r.bytes());
      const bare = Buffer.from(r.bytes());
      const { state, deadLettered, durable } = unflags(f);
      const wire = {
        messageId, bare, durable, priority: priority === 255 ? undefined : priority,
        ttlMs: Number.isNaN(ttl) ? undefined : ttl, annotations, annotationCount,
        scheduledAt: Number.isNaN(scheduledAt) ? undefined : scheduledAt,
      };
      return { type, queue, message: storedMessage(wire, { seq, acceptedAt, enqueuedAt, expiresAt, deliveryCount, state, deadLettered }) };
    }
    case RECORD.update: {
      const seq = r.f64();
      const { state, deadLettered } = unflags(r.u8());
      return { type, queue, seq, state, deadLettered, deliveryCount: r.u32() };
    }
    case RECORD.remove:
      return { type, queue, seq: r.f64() };
    case RECORD.purge:
      return { type, queue, upToSeq: r.f64() };
    case RECORD.dedup:
      return { type, queue, messageId: r.str(), acceptedAt: r.f64() };
    case RECORD.nextSeq:
      return { type, queue, nextSeq: r.f64() };
    default:
      return undefined;
  }
}

function flags(state: MessageState, deadLettered: boolean, durable: boolean): number {
  return (deadLettered ? 1 : 0) | (durable ? 2 : 0) | (STATES.indexOf(state) << 2);
}

function unflags(f: number): { state: MessageState; deadLettered: boolean; durable: boolean } {
  return { deadLettered: (f & 1) !== 0, durable: (f & 2) !== 0, state: STATES[(f >> 2) & 3] ?? 'active' };
}

class Writer {
  private readonly buf: Buffer;
  private pos = 8;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafe(capacity + 8);
  }

  u8(v: number): this {
    this.pos = this.buf.writeUInt8(v, this.pos);
    return this;
  }

  u32(v: number): this {
    this.pos = this.buf.writeUInt32LE(v, this.pos);
    return this;
  }

  f64(v: number): this {
    this.pos = this.buf.writeDoubleLE(v, this.pos);
    return this;
  }

  str(v: string): this {
    const len = this.buf.write(v, this.pos + 4, 'utf8');
    this.buf.writeUInt32LE(len, this.pos);
    this.pos += 4 + len;
    return this;
  }

  bytes(v: Buffer): this {
    this.pos = this.buf.writeUInt32LE(v.length, this.pos);
    this.pos += v.copy(this.buf, this.pos);
    return this;
  }

  /** The framed record: length and CRC of the body written so far. */
  frame(): Buffer {
    const body = this.buf.subarray(8, this.pos);
    this.buf.writeUInt32LE(body.length, 0);
    this.buf.writeUInt32LE(crc32(body), 4);
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  private pos = 0;

  constructor(private readonly buf: Buffer) {}

  u8(): number {
    return this.buf.readUInt8(this.pos++);
  }

  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  str(): string {
    const len = this.u32();
    const v = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  bytes(): Buffer {
    const len = this.u32();
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }
}
