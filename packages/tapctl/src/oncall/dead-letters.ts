// Dead letters as an operator sees them: peeked with the SDK's dead-letter receiver (peek never
// locks or moves a message, against the emulator and Azure alike), their body read with the
// domain's codecs for the ids only, and joined with what the ledger knows. Bodies are never
// printed: sealed fields stay `sealed (kid ...)`, and every free text is scrubbed.

import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';
import { decodeTapOutcome, decodeTapRequest, referenceIdFor, scrubSecrets } from '@tapline/domain';
import type { Ledger, RequestRecord } from '@tapline/ledger';
import type { OnCall, QueueAlias } from './connection.js';

/** Application property counting how often a dead letter's lineage was replayed. */
export const REPLAY_PROPERTY = 'tapline-replay';
/** Properties a replayed copy must not carry (the broker's verdict and the old retry budget). */
export const STRIPPED_PROPERTIES = ['DeadLetterReason', 'DeadLetterErrorDescription', 'tapline-attempt', 'tapline-last-error'] as const;

const PEEK_PAGE = 250;
/** An upper bound on one scan, so a runaway DLQ cannot make tapctl peek forever. */
export const MAX_SCAN = 20_000;

export type BodyKind = 'request' | 'delivery' | 'denial' | 'unreadable';

export interface DeadLetter {
  readonly queue: QueueAlias;
  readonly queueName: string;
  readonly sequenceNumber: number;
  readonly messageId: string;
  /** The message's enqueued time (Azure: when it entered the dead-letter queue). */
  readonly deadLetteredAt: string;
  readonly reason: string;
  readonly description: string;
  readonly deliveryCount: number;
  readonly kind: BodyKind;
  readonly requestId?: string;
  readonly referenceId?: string;
  /** The ledger's target, else the body's. */
  readonly targetId?: string;
  readonly tapId?: string;
  readonly tapExpiresAt?: string;
  readonly status?: string;
  readonly replayOrdinal: number;
  /** For `show`: the body with sealed fields replaced by `sealed (kid ...)`. */
  readonly body: Readonly<Record<string, unknown>> | string;
  readonly properties: Readonly<Record<string, unknown>>;
}

export interface Peeked {
  readonly message: ServiceBusReceivedMessage;
  readonly view: DeadLetter;
}

function bodyText(body: unknown): unknown {
  return Buffer.isBuffer(body) ? body.toString('utf8') : body;
}

function sealedAsKid(value: unknown): string {
  const kid = (value as { kid?: unknown } | null)?.kid;
  return `sealed (kid ${typeof kid === 'string' ? kid : '?'})`;
}

interface Decoded {
  readonly kind: BodyKind;
  readonly requestId?: string;
  readonly targetId?: string;
  readonly tapId?: string;
  readonly tapExpiresAt?: string;
  readonly body: Record<string, unknown> | string;
}

export function decodeBody(queue: QueueAlias, raw: unknown): Decoded {
  const body = bodyText(raw);
  if (queue === 'requests') {
    const decoded = decodeTapRequest(body);
    if (decoded.ok) {
      const m = decoded.message;
      return { kind: 'request', requestId: m.requestId, targetId: m.targetId, body: { ...m } };
    }
  } else {
    const decoded = decodeTapOutcome(body);
    if (decoded.ok && decoded.message.kind === 'delivery') {
      const m = decoded.message;
      return {
        kind: 'delivery', requestId: m.requestId, targetId: m.targetId, tapId: m.tapId, tapExpiresAt: m.expiresAt,
        body: { ...m, sealedSecret: sealedAsKid(m.sealedSecret), sealedContacts: sealedAsKid(m.sealedContacts) },
      };
    }
    if (decoded.ok) {
      const m = decoded.message;
      return { kind: 'denial', requestId: m.requestId, targetId: m.targetId, body: { ...m, sealedContacts: sealedAsKid(m.sealedContacts) } };
    }
  }
  // Unreadable: say so, never show it (it may hold anything).
  const size = typeof body === 'string' ? body.length : Buffer.isBuffer(raw) ? raw.length : 0;
  return { kind: 'unreadable', body: `unreadable body (${size} characters, not shown)` };
}

function replayOrdinalOf(props: Record<string, unknown>): number {
  const n = Number(props[REPLAY_PROPERTY]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** What may be shown of the application properties: every value scrubbed, the broker's verdict apart. */
function shownProperties(props: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(props)
    .filter(([k]) => k !== 'DeadLetterReason' && k !== 'DeadLetterErrorDescription')
    .map(([k, v]) => [k, typeof v === 'string' ? scrubSecrets(v) : v instanceof Date ? v.toISOString() : v]));
}

export function describeDeadLetter(queue: QueueAlias, queueName: string, m: ServiceBusReceivedMessage): DeadLetter {
  const props = { ...(m.applicationProperties ?? {}) } as Record<string, unknown>;
  const decoded = decodeBody(queue, m.body);
  return {
    queue,
    queueName,
    sequenceNumber: m.sequenceNumber?.toNumber() ?? 0,
    messageId: scrubSecrets(String(m.messageId ?? '')),
    deadLetteredAt: m.enqueuedTimeUtc?.toISOString() ?? '',
    reason: scrubSecrets(m.deadLetterReason ?? '-'),
    description: scrubSecrets(m.deadLetterErrorDescription ?? ''),
    deliveryCount: m.deliveryCount ?? 0,
    kind: decoded.kind,
    ...(decoded.requestId !== undefined && { requestId: decoded.requestId, referenceId: referenceIdFor(decoded.requestId) }),
    ...(decoded.targetId !== undefined && { targetId: decoded.targetId }),
    ...(decoded.tapId !== undefined && { tapId: decoded.tapId }),
    ...(decoded.tapExpiresAt !== undefined && { tapExpiresAt: decoded.tapExpiresAt }),
    replayOrdinal: replayOrdinalOf(props),
    body: decoded.body,
    properties: shownProperties(props),
  };
}

/** Every dead letter of one queue, oldest first, peeked (never locked, never moved). */
export async function peekDeadLetters(client: ServiceBusClient, queue: QueueAlias, queueName: string, max = MAX_SCAN): Promise<Peeked[]> {
  const receiver = client.createReceiver(queueName, { subQueueType: 'deadLetter' });
  const found: Peeked[] = [];
  try {
    // peekMessages continues from the receiver's cursor; an empty page is the end.
    for (let page = 0; found.length < max && page < Math.ceil(max / PEEK_PAGE) + 1; page++) {
      const batch = await receiver.peekMessages(Math.min(PEEK_PAGE, max - found.length));
      if (batch.length === 0) break;
      for (const message of batch) found.push({ message, view: describeDeadLetter(queue, queueName, message) });
    }
  } finally {
    await receiver.close();
  }
  return found;
}

/** Adds the ledger's view (status, target) to each dead letter; one read per request. */
export async function withLedger(ledger: Pick<Ledger, 'getRequest'>, peeked: readonly Peeked[]): Promise<{ peeked: Peeked[]; records: Map<string, RequestRecord | null> }> {
  const records = new Map<string, RequestRecord | null>();
  const ids = [...new Set(peeked.map((p) => p.view.requestId).filter((id): id is string => id !== undefined))];
  await inBatches(ids, 16, async (id) => void records.set(id, await ledger.getRequest(id)));
  const joined = peeked.map((p) => {
    const record = p.view.requestId === undefined ? undefined : records.get(p.view.requestId);
    if (!record) return p;
    return { message: p.message, view: { ...p.view, targetId: record.targetId, status: record.status } };
  });
  return { peeked: joined, records };
}

export async function inBatches<T>(items: readonly T[], size: number, run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(run));
}

export interface Selection {
  readonly queues: readonly QueueAlias[];
  readonly reasons?: readonly string[];
  readonly since?: Date;
  readonly until?: Date;
  readonly targetId?: string;
  readonly requestIds?: readonly string[];
  /** `queue:sequence` pairs. */
  readonly sequences?: readonly { queue: QueueAlias; sequenceNumber: number }[];
}

export function matches(view: DeadLetter, s: Selection): boolean {
  if (!s.queues.includes(view.queue)) return false;
  if (s.reasons && s.reasons.length > 0 && !s.reasons.some((r) => r.toLowerCase() === view.reason.toLowerCase())) return false;
  const at = Date.parse(view.deadLetteredAt);
  if (s.since && !(at >= s.since.getTime())) return false;
  if (s.until && !(at <= s.until.getTime())) return false;
  if (s.targetId && view.targetId?.toLowerCase() !== s.targetId.toLowerCase()) return false;
  const byId = s.requestIds && s.requestIds.length > 0;
  const bySeq = s.sequences && s.sequences.length > 0;
  if (byId || bySeq) {
    const idHit = byId && view.requestId !== undefined && s.requestIds.includes(view.requestId);
    const seqHit = bySeq && s.sequences.some((q) => q.queue === view.queue && q.sequenceNumber === view.sequenceNumber);
    if (!idHit && !seqHit) return false;
  }
  return true;
}

/** Peeks the selected queues, joins the ledger, and keeps what the selection names. */
export async function findDeadLetters(onCall: OnCall, selection: Selection, limit?: number): Promise<{ found: Peeked[]; records: Map<string, RequestRecord | null> }> {
  const all: Peeked[] = [];
  for (const queue of selection.queues) all.push(...await peekDeadLetters(onCall.client, queue, onCall.queues[queue]));
  const { peeked, records } = await withLedger(onCall.ledger, all);
  const found = peeked.filter((p) => matches(p.view, selection));
  return { found: limit === undefined ? found : found.slice(0, limit), records };
}
