import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIncoming } from '../src/amqp/message-codec.js';
import { rhea } from '../src/amqp/rhea.js';
import type { StoredMessage } from '../src/queue/message.js';
import { FileJournal } from '../src/store/journal.js';
import { decodeAll, encodePut, encodeRemove } from '../src/store/records.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sb-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function message(seq: number, body: string): StoredMessage {
  return {
    ...parseIncoming(rhea.message.encode({ message_id: `m${seq}`, body })),
    seq, acceptedAt: Date.now(), enqueuedAt: Date.now(), expiresAt: Number.POSITIVE_INFINITY,
    deliveryCount: 2, state: 'deferred', deadLettered: true, lock: undefined,
  };
}

describe('journal', () => {
  it('round-trips a message record exactly', () => {
    const m = message(3, 'hello');
    const { records } = decodeAll(encodePut('q', m));
    expect(records).toEqual([{ type: 1, queue: 'q', message: m }]);
  });

  it('cuts a torn tail at the last whole record on replay', () => {
    const sub = path.join(dir, 'torn');
    const file = path.join(sub, 'servicebus.journal');
    FileJournal.open(sub, () => {});
    const whole = Buffer.concat([encodePut('q', message(1, 'a')), encodePut('q', message(2, 'b')), encodeRemove('q', 1)]);
    writeFileSync(file, whole);
    const torn = encodePut('q', message(3, 'c'));
    appendFileSync(file, torn.subarray(0, torn.length - 5));
    const lines: string[] = [];
    const { recovered } = FileJournal.open(sub, (line) => lines.push(line));
    expect([...recovered.get('q')!.messages.keys()]).toEqual([2]);
    expect(lines.join('\n')).toContain('torn or corrupt tail');
    expect(statSync(file).size).toBe(whole.length + torn.length - 5);
  });

  it('ignores a record whose checksum does not match', () => {
    const record = Buffer.from(encodePut('q', message(1, 'a')));
    record[record.length - 1]! ^= 0xff;
    expect(decodeAll(record).records).toEqual([]);
  });

  it('acknowledges only after the write reached the file, and compacts to the live state', async () => {
    const sub = path.join(dir, 'ack');
    const { journal } = FileJournal.open(sub, () => {});
    const live = message(2, 'live');
    journal.setSnapshotSource(() => [encodePut('q', live)]);
    await journal.compact();
    journal.put('q', message(5, 'new'));
    const file = path.join(sub, 'servicebus.journal');
    const before = statSync(file).size;
    await new Promise<void>((resolve) => journal.whenDurable(resolve));
    expect(statSync(file).size).toBeGreaterThan(before);
    await journal.close();
    const { recovered } = FileJournal.open(sub, () => {});
    expect([...recovered.get('q')!.messages.keys()]).toEqual([2, 5]);
  });
});
