// `tapctl dlq replay | reissue | purge`: one engine. Select (peek, filter, ledger), decide per
// message (plan.ts), confirm, then lock exactly the selected dead letters (locking.ts) and, for
// each, do the work and only then complete the dead-lettered original. Rate-limited, with a
// progress bar on stderr, and audited: a "started" event before anything moves (so who and why
// survive a crash), one event per message, a "finished" event with the counts.

import type { ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSender } from '@azure/service-bus';
import { SCHEMA_VERSION, encodeTapRequest, isRequestStage, linkedTraceProperties, scrubSecrets } from '@tapline/domain';
import type { RequestType, TapDeliveryMessage, TapRequestMessage } from '@tapline/domain';
import type { RequestRecord, TargetRecord } from '@tapline/ledger';
import { CliError, EXIT } from '../cli-error.js';
import type { Output } from '../output.js';
import type { OnCall, QueueAlias } from './connection.js';
import type { DeadLetter, Peeked, Selection } from './dead-letters.js';
import { decodeBody, findDeadLetters, inBatches } from './dead-letters.js';
import { forEachLocked, pacer } from './locking.js';
import { decideReissue, decideReplay, reissueMessageId, replayCopy } from './plan.js';
import type { Verdict } from './plan.js';
import { startProgress } from './progress.js';

export type Action = 'replay' | 'reissue' | 'purge';

export interface ActionOptions {
  readonly selection: Selection;
  readonly selectionText: string;
  readonly dryRun: boolean;
  readonly yes: boolean;
  readonly rate: number;
  readonly note?: string;
  readonly confirm: (question: string) => Promise<boolean>;
  readonly now: () => number;
}

export type Outcome = 'replayed' | 'reissued' | 'purged' | 'skipped' | 'failed' | 'gone' | 'locked' | 'planned';

export interface ItemResult {
  readonly queue: QueueAlias;
  readonly sequenceNumber: number;
  readonly requestId?: string;
  readonly referenceId?: string;
  readonly reason: string;
  readonly outcome: Outcome;
  /** For skips: the skip reason (`done`, `use reissue`, ...); for failures: the error. */
  readonly detail?: string;
  /** The message id sent (replay, reissue). */
  readonly messageId?: string;
}

export interface ActionDocument {
  readonly action: Action;
  readonly dryRun: boolean;
  readonly operator: string;
  readonly note: string | null;
  readonly selection: string;
  readonly results: readonly ItemResult[];
  readonly summary: { readonly done: number; readonly skipped: Readonly<Record<string, number>>; readonly failed: number; readonly gone: number; readonly locked: number };
  /** Send-and-complete throughput of this run (messages per second), when anything moved. */
  readonly ratePerSecond: number | null;
  /** The same, counted until every per-message audit event was written. */
  readonly auditedRatePerSecond: number | null;
}

const PAST: Record<Action, Outcome> = { replay: 'replayed', reissue: 'reissued', purge: 'purged' };
const CONCURRENCY = 32;
const AUDIT_CONCURRENCY = 32;
const AUDIT_WHILE_MOVING = 4;

interface Planned {
  readonly peeked: Peeked;
  readonly record: RequestRecord | null | undefined;
  readonly verdict: Verdict;
}

async function targetsOf(onCall: OnCall, found: readonly Peeked[], records: Map<string, RequestRecord | null>): Promise<Map<string, TargetRecord | null>> {
  const targets = new Map<string, TargetRecord | null>();
  const ids = [...new Set(found.filter((p) => p.view.kind === 'delivery').map((p) => p.view.requestId && records.get(p.view.requestId)?.targetId).filter((id): id is string => !!id))];
  await inBatches(ids, 16, async (id) => void targets.set(id, await onCall.ledger.getTarget(id)));
  return targets;
}

function verdictFor(action: Action, dl: DeadLetter, record: RequestRecord | null | undefined, target: TargetRecord | null, now: number): Verdict {
  switch (action) {
    case 'replay': return decideReplay(dl, record, target, now);
    case 'reissue': return decideReissue(dl, record, target, now);
    case 'purge': return { action: 'purge' };
  }
}

export async function runAction(action: Action, onCall: OnCall, options: ActionOptions, out: Output): Promise<{ document: ActionDocument; exitCode: number }> {
  const { found, records } = await findDeadLetters(onCall, options.selection);
  const targets = await targetsOf(onCall, found, records);
  const now = options.now();
  const plan: Planned[] = found.map((peeked) => {
    const record = peeked.view.requestId === undefined ? undefined : records.get(peeked.view.requestId);
    const target = record ? targets.get(record.targetId) ?? null : null;
    return { peeked, record, verdict: verdictFor(action, peeked.view, record, target, now) };
  });
  const toDo = plan.filter((p) => p.verdict.action !== 'skip');
  const results = new Map<Planned, ItemResult>();
  for (const p of plan) {
    if (p.verdict.action === 'skip') results.set(p, result(p, 'skipped', `${p.verdict.skip}: ${p.verdict.why}`));
    else if (options.dryRun) results.set(p, result(p, 'planned'));
  }

  let ratePerSecond: number | null = null;
  let auditedRatePerSecond: number | null = null;
  if (!options.dryRun && toDo.length > 0) {
    if (toDo.length > 1 && !options.yes) {
      const ok = await options.confirm(`${action} ${toDo.length} dead letters (${options.selectionText})? [y/N] `);
      if (!ok) throw new CliError(`not confirmed: nothing was ${PAST[action]} (add --yes in scripts)`, EXIT.notConfirmed);
    }
    await audit(onCall, undefined, `dlq.${action}.started`, options, { count: toDo.length, selection: options.selectionText, environment: onCall.environment });
    const started = options.now();
    const { moved, settledAt } = await execute(action, onCall, toDo, options, results, out);
    const perSecond = (until: number) => Math.round((moved / Math.max(0.001, (until - started) / 1000)) * 10) / 10;
    if (moved > 0) {
      ratePerSecond = perSecond(settledAt);
      auditedRatePerSecond = perSecond(options.now());
    }
  }

  const ordered = plan.map((p) => results.get(p) ?? result(p, 'failed', 'not reached'));
  const document = summarize(action, onCall.operator, options, ordered, ratePerSecond, auditedRatePerSecond);
  if (!options.dryRun && toDo.length > 0) {
    await audit(onCall, undefined, `dlq.${action}.finished`, options, {
      selection: options.selectionText, done: document.summary.done, failed: document.summary.failed,
      skipped: Object.values(document.summary.skipped).reduce((a, b) => a + b, 0), gone: document.summary.gone, locked: document.summary.locked,
    });
  }
  const exitCode = document.summary.failed > 0 || document.summary.locked > 0 ? EXIT.partial : EXIT.ok;
  return { document, exitCode };
}

function result(p: Planned, outcome: Outcome, detail?: string, messageId?: string): ItemResult {
  const v = p.peeked.view;
  return {
    queue: v.queue,
    sequenceNumber: v.sequenceNumber,
    ...(v.requestId !== undefined && { requestId: v.requestId }),
    ...(v.referenceId !== undefined && { referenceId: v.referenceId }),
    reason: v.reason,
    outcome,
    ...(detail !== undefined && { detail: scrubSecrets(detail) }),
    ...(messageId !== undefined && { messageId }),
  };
}

function summarize(action: Action, operator: string, options: ActionOptions, results: readonly ItemResult[], ratePerSecond: number | null, auditedRatePerSecond: number | null): ActionDocument {
  const skipped: Record<string, number> = {};
  let done = 0;
  let failed = 0;
  let gone = 0;
  let locked = 0;
  for (const r of results) {
    if (r.outcome === 'skipped') {
      const key = (r.detail ?? 'skipped').split(':')[0]!;
      skipped[key] = (skipped[key] ?? 0) + 1;
    } else if (r.outcome === PAST[action] || r.outcome === 'planned') done++;
    else if (r.outcome === 'failed') failed++;
    else if (r.outcome === 'gone') gone++;
    else if (r.outcome === 'locked') locked++;
  }
  return {
    action, dryRun: options.dryRun, operator, note: options.note ?? null, selection: options.selectionText,
    results, summary: { done, skipped, failed, gone, locked }, ratePerSecond, auditedRatePerSecond,
  };
}

/**
 * Writes the per-message audit events beside the replay rather than in its path: a Table write
 * costs more than the broker's send and complete, so the next message does not wait for the
 * ledger; a few writes are in flight while messages move (they compete for the same CPU), more
 * once they have all moved, the rest wait in memory, and all are written before the summary and
 * the "finished" event. A crash loses only events not yet written; the
 * "started" event (written first) still says who, why and what was selected.
 */
function auditWriter(during: number, after: number, out: Output): { write: (event: () => Promise<void>) => void; drain: () => Promise<void> } {
  let concurrency = during;
  const waiting: (() => Promise<void>)[] = [];
  const running = new Set<Promise<void>>();
  let failures = 0;
  const pump = (): void => {
    while (running.size < concurrency && waiting.length > 0) {
      const event = waiting.shift()!;
      const task: Promise<void> = event().catch(() => void failures++).finally(() => {
        running.delete(task);
        pump();
      });
      running.add(task);
    }
  };
  return {
    write(event) {
      waiting.push(event);
      pump();
    },
    async drain() {
      concurrency = after;
      // Bounded: each round waits for one in-flight write, and every write ends.
      for (let round = 0; (running.size > 0 || waiting.length > 0) && round < 1_000_000; round++) {
        pump();
        if (running.size > 0) await Promise.race(running);
      }
      if (failures > 0) out.warn(`${failures} audit events could not be written to the ledger`);
    },
  };
}

async function execute(action: Action, onCall: OnCall, toDo: readonly Planned[], options: ActionOptions, results: Map<Planned, ItemResult>, out: Output): Promise<{ moved: number; settledAt: number }> {
  const progress = startProgress(toDo.length, action);
  const audits = auditWriter(AUDIT_WHILE_MOVING, AUDIT_CONCURRENCY, out);
  let moved = 0;
  let settledAt = options.now();
  try {
    for (const queue of ['requests', 'deliveries'] as const) {
      const mine = toDo.filter((p) => p.peeked.view.queue === queue);
      if (mine.length === 0) continue;
      const bySeq = new Map(mine.map((p) => [p.peeked.view.sequenceNumber, p]));
      // Reissue sends to tap-requests whichever queue the dead letter is on.
      const target = action === 'reissue' ? onCall.queues.requests : onCall.queues[queue];
      const sender = action === 'purge' ? undefined : onCall.client.createSender(target);
      try {
        const lock = await forEachLocked(onCall.client, onCall.queues[queue], [...bySeq.keys()], async (message, receiver) => {
          const p = bySeq.get(message.sequenceNumber?.toNumber() ?? -1)!;
          const r = await one(action, onCall, p, message, receiver, sender, options, audits.write);
          results.set(p, r);
          if (r.outcome === PAST[action]) moved++;
          settledAt = options.now();
          progress.tick(r.outcome);
        }, { concurrency: CONCURRENCY, pace: pacer(options.rate) });
        for (const seq of lock.gone) results.set(bySeq.get(seq)!, result(bySeq.get(seq)!, 'gone', 'no longer in the dead-letter queue (settled by someone else)'));
        for (const seq of lock.stillLocked) results.set(bySeq.get(seq)!, result(bySeq.get(seq)!, 'locked', 'still locked by another receiver: run again in a minute'));
      } finally {
        await sender?.close();
      }
    }
  } finally {
    progress.stop();
    await audits.drain();
  }
  if (moved < toDo.length) out.warn(`${toDo.length - moved} of ${toDo.length} selected dead letters were not ${PAST[action]}: see the summary`);
  return { moved, settledAt };
}

/** One locked dead letter: the work, then the completion of the original, then its audit event. */
async function one(
  action: Action, onCall: OnCall, p: Planned, message: ServiceBusReceivedMessage, receiver: ServiceBusReceiver,
  sender: ServiceBusSender | undefined, options: ActionOptions, writeAudit: (event: () => Promise<void>) => void,
): Promise<ItemResult> {
  const dl = p.peeked.view;
  let messageId: string | undefined;
  try {
    if (action === 'replay') {
      const copy = replayCopy(message, dl, options.now());
      messageId = copy.messageId as string;
      // A delivery is only sent by the notifier while its request says `issued`.
      if (dl.kind === 'delivery' && (p.record?.status === 'failed' || p.record?.status === 'dead-lettered')) {
        await onCall.ledger.transition(dl.requestId!, 'issued', { note: `dead-lettered delivery replayed by ${onCall.operator}` });
      }
      await sender!.sendMessages(copy);
    } else if (action === 'reissue') {
      const request = freshRequest(p.record!, message, dl, options.now());
      messageId = reissueMessageId(request.requestId, dl.tapId!);
      // A new trace (new work, decided again), linked to the one the dead letter belonged to.
      await sender!.sendMessages({
        body: encodeTapRequest(request), messageId, correlationId: request.requestId, contentType: 'application/json',
        applicationProperties: linkedTraceProperties(message.applicationProperties),
      });
    }
    // Only now: the copy (or the fresh request) is with the broker.
    await receiver.completeMessage(message);
  } catch (err) {
    const error = scrubSecrets(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    writeAudit(() => audit(onCall, dl.requestId, `dlq.${PAST[action]}`, options, { ...auditDetail(dl, messageId), outcome: 'failed', error }));
    await receiver.abandonMessage(message).catch(() => undefined);
    return result(p, 'failed', error, messageId);
  }
  writeAudit(() => audit(onCall, dl.requestId, `dlq.${PAST[action]}`, options, { ...auditDetail(dl, messageId), outcome: PAST[action] }));
  return result(p, PAST[action], undefined, messageId);
}

function auditDetail(dl: DeadLetter, messageId: string | undefined): Record<string, string | number> {
  return {
    queue: dl.queueName,
    sequenceNumber: dl.sequenceNumber,
    originalMessageId: dl.messageId,
    deadLetterReason: dl.reason,
    ...(messageId !== undefined && { messageId }),
  };
}

async function audit(onCall: OnCall, requestId: string | undefined, action: string, options: ActionOptions, detail: Record<string, string | number | boolean | null>): Promise<void> {
  await onCall.ledger.appendAudit({
    ...(requestId !== undefined && { requestId }),
    actor: onCall.operator,
    action,
    detail: { ...detail, note: options.note ?? null },
    at: new Date(options.now()),
  });
}

/** The request message a re-issue sends: rebuilt from the ledger row and the dead delivery's callback. */
export function freshRequest(record: RequestRecord, message: ServiceBusReceivedMessage, dl: DeadLetter, now: number): TapRequestMessage {
  const decoded = decodeBody('deliveries', message.body);
  const delivery = decoded.kind === 'delivery' ? (decoded.body as unknown as TapDeliveryMessage) : undefined;
  const stage = record.stage;
  if (!stage || !isRequestStage(stage)) throw new Error(`the ledger row of ${dl.requestId ?? '?'} has no usable stage`);
  return {
    schemaVersion: SCHEMA_VERSION,
    requestId: record.requestId,
    stageInstanceId: record.stageInstanceId!,
    stage: stage,
    requestType: record.requestType as RequestType,
    requestorId: record.requestorId,
    targetId: record.targetId,
    accessPackageId: record.accessPackageId!,
    ...(delivery?.callback !== undefined && { callback: delivery.callback }),
    receivedAt: new Date(now).toISOString(),
    attempt: 1,
  };
}
