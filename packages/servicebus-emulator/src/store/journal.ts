import { promises as fsp } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import type { StoredMessage } from '../queue/message.js';
import type { Persistence } from '../queue/persistence.js';
import {
  RECORD, decodeAll, encodePurge, encodePut, encodeRemove, encodeUpdate, type JournalRecord,
} from './records.js';

/**
 * The `--data-dir` journal: an append-only log with group commit.
 *
 * Policy: nothing is acknowledged before it is on disk. Records written during one turn of the
 * event loop (and while the previous write is in flight) go out as one write() followed by one
 * fdatasync(); the broker answers the sends and settlements they carry only after that returns.
 * So an acknowledged send survives `kill -9` (the page cache would already cover that) and also
 * a machine crash, for one fdatasync (~0.5 ms here) per batch rather than per message.
 *
 * Compaction: on start, the log is rewritten as a snapshot of the live state; while running it is
 * rewritten again whenever it has grown to twice its size after the last rewrite (and past
 * 64 MiB), so its size stays proportional to the live messages.
 */
export class FileJournal implements Persistence {
  private fd: number | undefined;
  private pending: Buffer[] = [];
  private pendingWaiters: (() => void)[] = [];
  private flushing = false;
  private flushQueued = false;
  private fileBytes = 0;
  private compactAt = MIN_COMPACT_BYTES;
  private failed: Error | undefined;
  private snapshot: (() => Buffer[]) | undefined;
  private idle: (() => void)[] = [];
  private readonly totals: JournalStats = { syncs: 0, bytes: 0, compactions: 0 };

  private constructor(
    private readonly file: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Opens (creating if needed) the journal in `dir` and replays it. */
  static open(dir: string, log: (line: string) => void): { journal: FileJournal; recovered: Map<string, RecoveredQueue> } {
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'servicebus.journal');
    const journal = new FileJournal(file, log);
    let data = Buffer.alloc(0);
    try {
      data = fs.readFileSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const { records, validBytes } = decodeAll(data);
    if (validBytes < data.length) {
      log(`journal: ignoring ${data.length - validBytes} bytes of a torn or corrupt tail at offset ${validBytes}`);
    }
    return { journal, recovered: replay(records) };
  }

  /** Totals since start: fdatasync calls, bytes appended, compactions (for /stats). */
  stats(): JournalStats {
    return { ...this.totals };
  }

  /** Where runtime compaction gets the live state from (the broker's queues, as records). */
  setSnapshotSource(snapshot: () => Buffer[]): void {
    this.snapshot = snapshot;
  }

  put(queue: string, message: StoredMessage): void {
    this.append(encodePut(queue, message));
  }

  update(queue: string, message: StoredMessage): void {
    this.append(encodeUpdate(queue, message));
  }

  remove(queue: string, seq: number): void {
    this.append(encodeRemove(queue, seq));
  }

  purge(queue: string, upToSeq: number): void {
    this.append(encodePurge(queue, upToSeq));
  }

  whenDurable(callback: () => void): void {
    if (!this.flushing && !this.flushQueued && this.pending.length === 0) {
      callback();
      return;
    }
    this.pendingWaiters.push(callback);
    this.queueFlush();
  }

  /** Rewrites the log as a snapshot of the live state (on start, and when it has grown). */
  async compact(): Promise<void> {
    if (!this.snapshot) throw new Error('journal: no snapshot source');
    this.flushing = true;
    try {
      await this.writeSnapshot(this.snapshot());
    } finally {
      this.flushing = false;
    }
    if (this.pending.length > 0 || this.pendingWaiters.length > 0) this.queueFlush();
  }

  /** Writes what is pending and closes the file. */
  async close(): Promise<void> {
    if (this.flushing || this.flushQueued || this.pending.length > 0) {
      await new Promise<void>((resolve) => {
        this.idle.push(resolve);
        this.queueFlush();
      });
    }
    if (this.fd !== undefined) {
      fs.closeSync(this.fd);
      this.fd = undefined;
    }
  }

  private append(record: Buffer): void {
    this.pending.push(record);
    this.queueFlush();
  }

  private queueFlush(): void {
    if (this.flushing || this.flushQueued) return;
    this.flushQueued = true;
    // One turn of the event loop gathers everything a socket read produced into one batch.
    setImmediate(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    const records = this.pending;
    const waiters = this.pendingWaiters;
    this.pending = [];
    this.pendingWaiters = [];
    try {
      if (this.failed) throw this.failed;
      if (this.snapshot && this.fileBytes > this.compactAt) {
        // The snapshot is the in-memory state; records not yet visible in memory (sends waiting
        // for this very write) are appended after it, and replaying them on top is idempotent.
        await this.writeSnapshot([...this.snapshot(), ...records]);
      } else if (records.length > 0) {
        await this.writeAll(Buffer.concat(records));
      }
      for (const waiter of waiters) waiter();
    } catch (err) {
      // Never acknowledge what may not be on disk: the waiting clients time out instead.
      this.failed ??= err as Error;
      this.log(`journal: write failed, nothing more will be acknowledged: ${(err as Error).message}`);
    } finally {
      this.flushing = false;
    }
    if (this.pending.length > 0 || this.pendingWaiters.length > 0) this.queueFlush();
    else for (const resolve of this.idle.splice(0)) resolve();
  }

  private async writeAll(data: Buffer): Promise<void> {
    const fd = this.fd ?? (this.fd = fs.openSync(this.file, 'a'));
    let offset = 0;
    while (offset < data.length) {
      const { bytesWritten } = await writeAsync(fd, data, offset);
      offset += bytesWritten;
    }
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    this.fileBytes += data.length;
    this.totals.syncs++;
    this.totals.bytes += data.length;
  }

  private async writeSnapshot(records: Buffer[]): Promise<void> {
    const tmp = `${this.file}.tmp`;
    const data = Buffer.concat(records);
    const handle = await fsp.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsp.rename(tmp, this.file);
    await syncDirectory(path.dirname(this.file));
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = fs.openSync(this.file, 'a');
    this.fileBytes = data.length;
    this.compactAt = Math.max(MIN_COMPACT_BYTES, 2 * data.length);
    this.totals.syncs++;
    this.totals.compactions++;
  }
}

const MIN_COMPACT_BYTES = 64 * 1024 * 1024;

export interface JournalStats {
  syncs: number;
  bytes: number;
  compactions: number;
}

export interface RecoveredQueue {
  messages: Map<number, StoredMessage>;
  /** Message ids for duplicate detection, with their acceptance times. */
  dedup: Map<string, number>;
  nextSeq: number;
}

/** Applies records in order; later records win (PUT replaces, UPDATE patches, REMOVE deletes). */
export function replay(records: JournalRecord[]): Map<string, RecoveredQueue> {
  const queues = new Map<string, RecoveredQueue>();
  const get = (name: string): RecoveredQueue => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = { messages: new Map(), dedup: new Map(), nextSeq: 1 }));
    return q;
  };
  for (const record of records) {
    const q = get(record.queue);
    switch (record.type) {
      case RECORD.put:
        q.messages.set(record.message.seq, record.message);
        q.nextSeq = Math.max(q.nextSeq, record.message.seq + 1);
        remember(q, record.message.messageId, record.message.acceptedAt);
        break;
      case RECORD.update: {
        const m = q.messages.get(record.seq);
        if (m) {
          m.state = record.state;
          m.deadLettered = record.deadLettered;
          m.deliveryCount = record.deliveryCount;
        }
        break;
      }
      case RECORD.remove:
        q.messages.delete(record.seq);
        break;
      case RECORD.purge:
        for (const seq of q.messages.keys()) if (seq <= record.upToSeq) q.messages.delete(seq);
        q.dedup.clear();
        q.nextSeq = Math.max(q.nextSeq, record.upToSeq + 1);
        break;
      case RECORD.dedup:
        remember(q, record.messageId, record.acceptedAt);
        break;
      case RECORD.nextSeq:
        q.nextSeq = Math.max(q.nextSeq, record.nextSeq);
        break;
    }
  }
  return queues;
}

/** Keeps the latest acceptance of an id: an id may be reused once its window has passed. */
function remember(q: RecoveredQueue, messageId: string, acceptedAt: number): void {
  const known = q.dedup.get(messageId);
  if (known === undefined || known < acceptedAt) q.dedup.set(messageId, acceptedAt);
}

function writeAsync(fd: number, data: Buffer, offset: number): Promise<{ bytesWritten: number }> {
  return new Promise((resolve, reject) => {
    fs.write(fd, data, offset, data.length - offset, null, (err, bytesWritten) => (err ? reject(err) : resolve({ bytesWritten })));
  });
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
