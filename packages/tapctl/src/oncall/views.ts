// The read-only on-call commands: `tapctl queues`, `tapctl dlq list`, `tapctl dlq show`. Peek only:
// nothing here locks, moves or changes a message.

import type { ServiceBusClient } from '@azure/service-bus';
import Long from 'long';
import type { AuditEvent, RequestRecord } from '@tapline/ledger';
import { CliError } from '../cli-error.js';
import type { Output } from '../output.js';
import { formatStep, scrubDeep, timelineHeader, timelineOf } from '../timeline.js';
import type { TimelineStep } from '../timeline.js';
import { QUEUE_ALIASES } from './connection.js';
import type { OnCall, QueueAlias } from './connection.js';
import type { DeadLetter, Selection } from './dead-letters.js';
import { findDeadLetters } from './dead-letters.js';
import { table } from './table.js';

export interface QueueRow {
  readonly queue: string;
  readonly active: number;
  readonly scheduled: number;
  readonly deadLettered: number;
  readonly oldestActiveAt: string | null;
  readonly oldestActiveAgeSeconds: number | null;
  readonly oldestDeadLetteredAt: string | null;
  readonly oldestDeadLetteredAgeSeconds: number | null;
}

const PEEK_PAGES_FOR_OLDEST = 4;

/** The oldest message a receiver could get now: not deferred, enqueued (a scheduled one is enqueued at its time). */
async function oldestEnqueued(client: ServiceBusClient, queue: string, deadLetter: boolean, now: number): Promise<Date | undefined> {
  const receiver = client.createReceiver(queue, deadLetter ? { subQueueType: 'deadLetter' } : {});
  try {
    let from = Long.fromNumber(1);
    for (let page = 0; page < PEEK_PAGES_FOR_OLDEST; page++) {
      const batch = await receiver.peekMessages(100, { fromSequenceNumber: from });
      if (batch.length === 0) return undefined;
      const first = batch.find((m) => m.state !== 'deferred' && (m.enqueuedTimeUtc?.getTime() ?? Infinity) <= now);
      if (first?.enqueuedTimeUtc) return first.enqueuedTimeUtc;
      from = batch[batch.length - 1]!.sequenceNumber!.add(1);
    }
    return undefined;
  } finally {
    await receiver.close();
  }
}

const age = (at: Date | undefined, now: number): number | null => (at === undefined ? null : Math.max(0, Math.round((now - at.getTime()) / 1000)));

export function formatAge(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

export async function queuesView(onCall: OnCall, now: number, out: Output): Promise<QueueRow[]> {
  const rows: QueueRow[] = [];
  for (const alias of QUEUE_ALIASES) {
    const queue = onCall.queues[alias];
    const [counts, oldestActive, oldestDead] = await Promise.all([
      onCall.counts(queue),
      oldestEnqueued(onCall.client, queue, false, now),
      oldestEnqueued(onCall.client, queue, true, now),
    ]);
    rows.push({
      queue, ...counts,
      oldestActiveAt: oldestActive?.toISOString() ?? null, oldestActiveAgeSeconds: age(oldestActive, now),
      oldestDeadLetteredAt: oldestDead?.toISOString() ?? null, oldestDeadLetteredAgeSeconds: age(oldestDead, now),
    });
  }
  if (out.json) {
    out.result({ queues: rows });
  } else {
    for (const line of table(['QUEUE', 'ACTIVE', 'SCHEDULED', 'DEAD-LETTERED', 'OLDEST ACTIVE', 'OLDEST DEAD LETTER'],
      rows.map((r) => [r.queue, String(r.active), String(r.scheduled), String(r.deadLettered), formatAge(r.oldestActiveAgeSeconds), formatAge(r.oldestDeadLetteredAgeSeconds)]))) {
      out.info(line);
    }
  }
  return rows;
}

/** One dead letter as `dlq list` shows it (and its `--json` row). */
export interface DeadLetterRow {
  readonly queue: string;
  readonly sequenceNumber: number;
  readonly deadLetteredAt: string;
  readonly reason: string;
  readonly description: string;
  readonly requestId: string | null;
  readonly referenceId: string | null;
  readonly targetId: string | null;
  readonly deliveryCount: number;
  readonly status: string | null;
}

export function rowOf(dl: DeadLetter): DeadLetterRow {
  return {
    queue: dl.queue,
    sequenceNumber: dl.sequenceNumber,
    deadLetteredAt: dl.deadLetteredAt,
    reason: dl.reason,
    description: dl.description,
    requestId: dl.requestId ?? null,
    referenceId: dl.referenceId ?? null,
    targetId: dl.targetId ?? null,
    deliveryCount: dl.deliveryCount,
    status: dl.status ?? null,
  };
}

const cut = (text: string, n: number) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

export async function listView(onCall: OnCall, selection: Selection, limit: number, out: Output): Promise<DeadLetterRow[]> {
  const { found } = await findDeadLetters(onCall, selection);
  const rows = found.slice(0, limit).map((p) => rowOf(p.view));
  if (out.json) {
    out.result({ deadLetters: rows, count: rows.length, matched: found.length });
    return rows;
  }
  if (rows.length === 0) {
    out.info('no dead letters match');
    return rows;
  }
  for (const line of table(['QUEUE', 'SEQ', 'DEAD-LETTERED AT', 'REASON', 'DESCRIPTION', 'REQUEST', 'REFERENCE', 'TARGET', 'DELIVERIES', 'STATUS'],
    rows.map((r) => [r.queue, String(r.sequenceNumber), r.deadLetteredAt, r.reason, cut(r.description, 48), r.requestId ?? '-', r.referenceId ?? '-', r.targetId ?? '-', String(r.deliveryCount), r.status ?? '-']))) {
    out.info(line);
  }
  if (found.length > rows.length) out.info(`(${found.length - rows.length} more: raise --limit)`);
  return rows;
}

export interface ShowDocument {
  readonly deadLetters: readonly (DeadLetterRow & { messageId: string; kind: string; replayOrdinal: number; properties: Readonly<Record<string, unknown>>; body: unknown })[];
  readonly request: RequestRecord | null;
  readonly audit: readonly AuditEvent[];
  readonly timeline: readonly TimelineStep[];
}

/** `requestId`, or `queue:sequence` (queue: requests, deliveries or the queue's name). */
export function parseShowRef(ref: string, onCall: Pick<OnCall, 'queues'>): Selection {
  const trimmed = ref.trim().toLowerCase();
  const seq = /^([a-z-]+):(\d+)$/.exec(trimmed);
  if (seq) {
    const queue = QUEUE_ALIASES.find((a) => a === seq[1] || onCall.queues[a] === seq[1]);
    if (!queue) throw new CliError(`unknown queue "${seq[1]}": use requests, deliveries, ${onCall.queues.requests} or ${onCall.queues.deliveries}`, 2);
    return { queues: [queue], sequences: [{ queue, sequenceNumber: Number(seq[2]) }] };
  }
  return { queues: [...QUEUE_ALIASES], requestIds: [trimmed] };
}

export async function showView(onCall: OnCall, selection: Selection, out: Output): Promise<ShowDocument> {
  const { found } = await findDeadLetters(onCall, selection);
  if (found.length === 0) throw new CliError('no dead letter matches: `tapctl dlq list` shows what is there');
  const requestId = found.find((p) => p.view.requestId !== undefined)?.view.requestId;
  const request = requestId === undefined ? null : scrubDeep(await onCall.ledger.getRequest(requestId));
  const audit = request === null ? [] : scrubDeep(await onCall.ledger.listAudit({ requestId: request.requestId }));
  const timeline = request === null ? [] : timelineOf(request, audit);
  const document: ShowDocument = {
    deadLetters: found.map((p) => ({
      ...rowOf(p.view), messageId: p.view.messageId, kind: p.view.kind, replayOrdinal: p.view.replayOrdinal,
      properties: scrubDeep(p.view.properties), body: scrubDeep(p.view.body),
    })),
    request, audit, timeline,
  };
  if (out.json) {
    out.result(document);
    return document;
  }
  for (const dl of document.deadLetters) {
    out.info(`dead letter ${dl.queue}:${dl.sequenceNumber}`);
    const pairs: [string, string][] = [
      ['message id', dl.messageId], ['dead-lettered', dl.deadLetteredAt], ['reason', dl.reason], ['description', dl.description || '-'],
      ['deliveries', String(dl.deliveryCount)], ['replayed', dl.replayOrdinal > 0 ? `${dl.replayOrdinal} time(s) before` : 'never'],
      ['kind', dl.kind], ['request', dl.requestId ?? '-'], ['reference', dl.referenceId ?? '-'], ['target', dl.targetId ?? '-'], ['status', dl.status ?? '-'],
    ];
    for (const [k, v] of pairs) out.info(`  ${k.padEnd(14)}${v}`);
    const props = Object.entries(dl.properties);
    if (props.length > 0) out.info(`  ${'properties'.padEnd(14)}${props.map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
    if (typeof dl.body === 'string') {
      out.info(`  ${'body'.padEnd(14)}${dl.body}`);
    } else {
      out.info('  body');
      for (const [k, v] of Object.entries(dl.body as Record<string, unknown>)) out.info(`    ${k.padEnd(18)}${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
    }
    out.info('');
  }
  if (request === null) {
    out.info('the request is not in the ledger');
  } else {
    out.info(`request ${request.requestId} (${request.referenceId}): ${request.status}${request.reasons.length > 0 ? ` (${request.reasons.join(', ')})` : ''}`);
    out.info('');
    out.info(timelineHeader());
    for (const step of timeline) out.info(formatStep(step));
  }
  return document;
}

export function isQueueAlias(value: string): value is QueueAlias {
  return (QUEUE_ALIASES as readonly string[]).includes(value);
}
