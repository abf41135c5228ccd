import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Every message the simulated ACS accepted for delivery: one entry per recipient, for both
 * channels, so `?to=` finds what a person would have received. Optionally mirrored to a JSONL
 * file (appended, never truncated, not cleared by reset).
 */
export interface OutboxEntry {
  /** Position in this simulator's outbox, from 1. */
  seq: number;
  channel: 'sms' | 'email';
  to: string;
  from: string;
  /** Email only. */
  subject?: string;
  /** SMS text, or the email's plain-text part ('' when the email had only HTML). */
  body: string;
  /** Email only, when the message had an HTML part. */
  html?: string;
  /** Email only: to, cc or bcc. */
  recipientType?: 'to' | 'cc' | 'bcc';
  /** SMS only, when the sender gave one. */
  repeatabilityRequestId?: string;
  /** Email only: the operation id (the caller's Operation-Id header, or one the service made). */
  operationId?: string;
  messageId: string;
  /** SMS only: `smsSendOptions.tag`, echoed as ACS would in delivery reports. */
  tag?: string;
  /** ISO 8601 time of acceptance. */
  time: string;
}

export type NewOutboxEntry = Omit<OutboxEntry, 'seq' | 'time'>;

export interface OutboxFilter {
  to?: string;
  channel?: string;
}

export class Outbox {
  private entries: OutboxEntry[] = [];
  private nextSeq = 1;
  private pendingWrite: Promise<void> = Promise.resolve();
  private directoryReady: Promise<unknown> | undefined;

  constructor(private readonly file: string | undefined) {}

  add(entry: NewOutboxEntry, now: number): OutboxEntry {
    const stored: OutboxEntry = { seq: this.nextSeq, ...entry, time: new Date(now).toISOString() };
    this.nextSeq += 1;
    this.entries.push(stored);
    if (this.file !== undefined) this.append(this.file, stored);
    return stored;
  }

  list(filter: OutboxFilter = {}): OutboxEntry[] {
    const to = filter.to?.toLowerCase();
    return this.entries.filter(
      (e) => (to === undefined || e.to.toLowerCase() === to) && (filter.channel === undefined || e.channel === filter.channel),
    );
  }

  clear(): void {
    this.entries = [];
  }

  /** Resolves once every accepted message is on disk. */
  async flush(): Promise<void> {
    await this.pendingWrite;
  }

  private append(file: string, entry: OutboxEntry): void {
    // One chain keeps lines in acceptance order; a failed write is reported but never stops the service.
    this.directoryReady ??= mkdir(dirname(file), { recursive: true });
    const ready = this.directoryReady;
    this.pendingWrite = this.pendingWrite
      .then(() => ready)
      .then(() => appendFile(file, `${JSON.stringify(entry)}\n`, 'utf8'))
      .catch((err: unknown) => {
        const code = (err as NodeJS.ErrnoException).code ?? 'unknown error';
        process.stderr.write(`acs-simulator: could not append to the outbox file (${code})\n`);
      });
  }
}
