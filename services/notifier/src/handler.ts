// The notifier's message handler: decode, route by kind, and map every error to an outcome in
// this one function (STYLE practice 4); @tapline/messaging turns the outcome into the broker
// settlement. Retryable failures become a delayed retry on the domain's schedule (or TapExpired
// if the TAP would expire first, or RetriesExhausted past the budget); permanent ones dead-letter
// with their reason; anything else is a bug and is abandoned.
import {
  canTransition, decodeTapOutcome, isPermanent, isRetryable, retryDelayMs, shouldDeadLetterAfter,
  type DeadLetterReason, type MessageDecodeResult, type RequestStatus, type RetrySchedule, type TapOutcomeMessage,
} from '@tapline/domain';
import { RECEIVED_AT_PROPERTY } from '@tapline/messaging';
import type { HandlerContext, InboundMessage, Outcome } from '@tapline/messaging';
import type { NotifierMetrics } from './metrics.js';
import type { AuditDetail } from '@tapline/ledger';
import { AUDIT, audit } from './audit-trail.js';
import { deliver, type DeliveryDeps } from './deliver.js';
import { LOG, info, warn, type Logger } from './logs.js';
import { reportDenial } from './report-denial.js';

export interface HandlerDeps extends DeliveryDeps {
  readonly retrySchedule: RetrySchedule;
  readonly random: () => number;
  /** For the dead-letter metric's queue label. */
  readonly queue: string;
}

export type DecodedOutcome = MessageDecodeResult<TapOutcomeMessage>;

/** Never throws: an undecodable body is dead-lettered by the handler with the codec's reason. */
export function decodeOutcomeMessage(message: InboundMessage): DecodedOutcome {
  return decodeTapOutcome(message.body);
}

async function statusOf(deps: HandlerDeps, requestId: string): Promise<RequestStatus | undefined> {
  try {
    return (await deps.ledger.getRequest(requestId))?.status;
  } catch {
    return undefined;
  }
}

/** Moves a request to `to` when the state machine allows it from `from`; never throws. */
async function recordQuietly(
  deps: HandlerDeps, log: Logger, requestId: string, from: RequestStatus | undefined, to: RequestStatus,
  patch: { reasons?: string[]; attempts?: number; lastError?: string },
): Promise<void> {
  if (from === undefined || !canTransition(from, to)) return;
  try {
    await deps.ledger.transition(requestId, to, patch, deps.now());
  } catch (err) {
    // The outcome stands; the ledger catches up on the next attempt or by an operator.
    warn(log, LOG.ledgerWriteFailed, { to, error: err instanceof Error ? err.name : 'unknown' });
  }
}

async function auditQuietly(deps: HandlerDeps, log: Logger, requestId: string, detail: AuditDetail): Promise<void> {
  try {
    await audit(deps.ledger, requestId, AUDIT.retryScheduled, deps.now(), detail);
  } catch (err) {
    warn(log, LOG.ledgerWriteFailed, { to: 'audit', error: err instanceof Error ? err.name : 'unknown' });
  }
}

function deadLetter(reason: DeadLetterReason, description: string): Outcome {
  return { kind: 'deadLetter', reason, description };
}

async function outcomeForError(deps: HandlerDeps, msg: TapOutcomeMessage, attempt: number, err: unknown, log: Logger): Promise<Outcome> {
  // Ledger status matters only for deliveries: a denial's status (denied) is terminal already.
  const status = msg.kind === 'delivery' ? await statusOf(deps, msg.requestId) : undefined;
  if (isRetryable(err)) {
    const lastError = err.message;
    if (shouldDeadLetterAfter(attempt, deps.retrySchedule)) {
      await recordQuietly(deps, log, msg.requestId, status, 'dead-lettered', { reasons: ['RetriesExhausted'], lastError, attempts: attempt });
      warn(log, LOG.deadLettered, { reason: 'RetriesExhausted', attempt });
      return deadLetter('RetriesExhausted', `attempt ${attempt}: ${lastError}`);
    }
    const delayMs = retryDelayMs(attempt, deps.retrySchedule, deps.random, err.retryAfterMs);
    // A delivery message (and its retry copies) lives only as long as its TAP. A retry that would
    // arrive too late is settled now: TapExpired before the send, RetriesExhausted for a
    // follow-up (resume, notice) of a TAP that was already delivered.
    if (msg.kind === 'delivery' && deps.now().getTime() + delayMs >= Date.parse(msg.expiresAt) - deps.policy.expirySafetyMarginMs) {
      const reason: DeadLetterReason = status === 'delivered' ? 'RetriesExhausted' : 'TapExpired';
      await recordQuietly(deps, log, msg.requestId, status, 'dead-lettered', { reasons: [reason], lastError, attempts: attempt });
      warn(log, LOG.deadLettered, { reason, attempt });
      return deadLetter(reason, `the next attempt would come after TAP ${msg.tapId} expires (last error: ${lastError})`);
    }
    // The request row cannot record an attempt while issued (no issued -> issued move in the
    // domain's state machine), so the attempt goes to the audit trail.
    await auditQuietly(deps, log, msg.requestId, { attempt, delayMs, lastError });
    info(log, LOG.retryScheduled, { attempt, delayMs, error: lastError });
    return { kind: 'retryLater', delayMs, attempt, lastError };
  }
  if (isPermanent(err)) {
    await recordQuietly(deps, log, msg.requestId, status, 'failed', { reasons: [err.reason], lastError: err.message });
    warn(log, LOG.deadLettered, { reason: err.reason });
    return deadLetter(err.reason, err.message);
  }
  return { kind: 'abandon', error: err };
}

/** The metrics, recording the end-to-end duration with each delivery when the worker said when the request came in. */
function withEndToEnd(deps: HandlerDeps, receivedAt: unknown): NotifierMetrics {
  const since = typeof receivedAt === 'string' ? Date.parse(receivedAt) : Number.NaN;
  if (Number.isNaN(since)) return deps.metrics;
  return {
    ...deps.metrics,
    delivered(channel) {
      deps.metrics.delivered(channel);
      deps.metrics.endToEnd(channel, Math.max(0, deps.now().getTime() - since) / 1000);
    },
  };
}

export function createHandler(deps: HandlerDeps): (decoded: DecodedOutcome, ctx: HandlerContext) => Promise<Outcome> {
  const counted = (outcome: Outcome): Outcome => {
    if (outcome.kind === 'deadLetter') deps.metrics.deadLettered(deps.queue, outcome.reason);
    else if (outcome.kind === 'retryLater') deps.metrics.retriedLater(deps.queue);
    return outcome;
  };
  return async (decoded, ctx) => {
    if (!decoded.ok) {
      warn(ctx.logger, LOG.deadLettered, { reason: decoded.error.reason, field: decoded.error.field });
      return counted(deadLetter(decoded.error.reason, `${decoded.error.field} ${decoded.error.message}`));
    }
    const msg = decoded.message;
    const log = ctx.logger.child({ requestId: msg.requestId, kind: msg.kind, ...(msg.kind === 'delivery' && { tapId: msg.tapId }) });
    info(log, LOG.received);
    // A busy email channel defers a manager notice to a later attempt, except on the last one.
    const perMessage: HandlerDeps = {
      ...deps,
      canDeferNotice: !shouldDeadLetterAfter(ctx.attempt, deps.retrySchedule),
      metrics: withEndToEnd(deps, ctx.message.applicationProperties[RECEIVED_AT_PROPERTY]),
    };
    try {
      return counted(msg.kind === 'delivery' ? await deliver(perMessage, msg, log) : await reportDenial(perMessage, msg, log));
    } catch (err) {
      return counted(await outcomeForError(deps, msg, ctx.attempt, err, log));
    }
  };
}
