// The worker's message handler: decode, process with in-process retries, and map every error to
// an outcome in this one function (STYLE practice 4); @tapline/messaging turns the outcome into
// the broker settlement. Retryable failures are retried here while the in-process budget lasts
// (honouring Retry-After), then become a delayed retry on the domain's schedule, then
// RetriesExhausted; permanent ones dead-letter at once with their reason; anything else is a bug
// and is abandoned (broker redelivery, then MaxDeliveryCountExceeded).
import {
  canTransition, decodeTapRequest, describeForDeadLetter, isPermanent, isRetryable, retryDelayMs, shouldDeadLetterAfter,
} from '@tapline/domain';
import type { DeadLetterReason, MessageDecodeResult, RequestStatus, TapRequestMessage } from '@tapline/domain';
import { sleep } from '@tapline/graph';
import { createRetrier, retryingAssignmentRequests, retryingDirectory, retryingSender, retryingTapIssuer } from './in-process-retry.js';
import type { HandlerContext, InboundMessage, Outcome } from '@tapline/messaging';
import type { IssueMemo } from './issue.js';
import { LOG, error, info, warn } from './logs.js';
import type { Logger } from './logs.js';
import { ACTOR, AUDIT } from './ports.js';
import type { WorkerDeps } from './ports.js';
import { processRequest } from './process-request.js';
import type { AttemptContext } from './process-request.js';

export type DecodedRequest = MessageDecodeResult<TapRequestMessage>;

/** Never throws: an undecodable body is dead-lettered by the handler with the codec's reason. */
export function decodeRequestMessage(message: InboundMessage): DecodedRequest {
  return decodeTapRequest(message.body);
}

export function createRequestHandler(deps: WorkerDeps): (decoded: DecodedRequest, ctx: HandlerContext) => Promise<Outcome> {
  return async (decoded, hctx) => {
    const started = performance.now();
    if (!decoded.ok) {
      warn(hctx.logger, LOG.invalidMessage, { reason: decoded.error.reason, field: decoded.error.field });
      return deadLetter(deps, decoded.error.reason, `${decoded.error.field} ${decoded.error.message}`);
    }
    const msg = decoded.message;
    // The delayed-retry copy carries its attempt as a property; the body keeps the original's.
    const attempt = Math.max(hctx.attempt, msg.attempt);
    const log = hctx.logger.child({ requestId: msg.requestId, attempt });
    const memo: IssueMemo = { secrets: [] };
    const ctx: AttemptContext = { attempt, memo, log };
    const retrier = createRetrier({
      deadline: Date.now() + deps.settings.inProcessRetryBudgetMs,
      baseDelayMs: deps.settings.inProcessBaseDelayMs,
      maxDelayMs: deps.settings.inProcessMaxDelayMs,
      random: deps.random,
      signal: hctx.signal,
      onRetry: (err, delayMs, tries) => info(log, LOG.inProcessRetry, { tries, delayMs: Math.round(delayMs), error: errorText(err, memo) }),
    });
    // Calls retry one by one; what fails outside them (a busy target lease, a ledger conflict)
    // retries the attempt from the top, which is safe: the ledger says where we are.
    const attemptDeps: WorkerDeps = {
      ...deps,
      directory: retryingDirectory(deps.directory, retrier),
      assignmentRequests: retryingAssignmentRequests(deps.assignmentRequests, retrier),
      tapIssuer: retryingTapIssuer(deps.tapIssuer, retrier),
      deliveries: retryingSender(deps.deliveries, retrier),
    };

    for (let tries = 0; ; tries++) {
      try {
        const result = await processRequest(attemptDeps, msg, ctx);
        if (result === 'issued') {
          deps.metrics.issued();
          deps.metrics.issuance((performance.now() - started) / 1000);
          info(log, LOG.issued);
        } else if (result === 'duplicate') {
          deps.metrics.duplicate();
        }
        deps.crash('before-complete');
        return { kind: 'complete' };
      } catch (err) {
        if (isRetryable(err)) {
          const delay = retrier.nextDelay(err, tries);
          if (delay !== undefined) {
            // `tries`, as the retrier logs it: `attempt` is already bound (the delivery attempt).
            info(log, LOG.inProcessRetry, { tries: tries + 1, delayMs: Math.round(delay), error: errorText(err, memo) });
            try {
              await sleep(delay, hctx.signal);
            } catch {
              return abandon(log, err, 'stopping');
            }
            continue;
          }
          return retryLater(deps, msg, attempt, err, memo, log);
        }
        if (isPermanent(err)) return fail(deps, msg, err.reason, errorText(err, memo), log);
        return abandon(log, err, 'bug');
      }
    }
  };
}

function errorText(err: unknown, memo: IssueMemo): string {
  return describeForDeadLetter(err, memo.secrets);
}

async function retryLater(deps: WorkerDeps, msg: TapRequestMessage, attempt: number, err: Error & { retryAfterMs?: number | undefined }, memo: IssueMemo, log: Logger): Promise<Outcome> {
  const lastError = errorText(err, memo);
  const schedule = deps.settings.retrySchedule;
  if (shouldDeadLetterAfter(attempt, schedule)) {
    return fail(deps, msg, 'RetriesExhausted', `attempt ${attempt}: ${lastError}`, log);
  }
  const delayMs = retryDelayMs(attempt, schedule, deps.random, err.retryAfterMs);
  // Same-status moves (received->received, issuing->issuing) record the attempt and the error.
  const status = await statusOf(deps, msg.requestId);
  if (status !== undefined && canTransition(status, status)) {
    // A wait (the directory watch, the audit log) says what for: tapctl shows the note.
    const note = err.message.startsWith('waiting for ') ? `${err.message}; retry in ${Math.round(delayMs / 1000)} s` : `retry in ${Math.round(delayMs / 1000)} s`;
    await quietly(log, 'retry-attempt', () => deps.ledger.transition(msg.requestId, status, { attempts: attempt, lastError, note }, deps.now()));
  }
  await quietly(log, 'audit', () => deps.ledger.appendAudit({
    requestId: msg.requestId, actor: ACTOR, action: AUDIT.retryScheduled, at: deps.now(),
    detail: { attempt, delayMs, ...(err.message.startsWith('waiting for ') && { waitingFor: err.message.slice('waiting for '.length, 200) }) },
  }));
  deps.metrics.retriedLater(deps.settings.requestsQueue);
  info(log, LOG.retryLater, { delayMs, error: lastError });
  return { kind: 'retryLater', delayMs, attempt, lastError };
}

/** Permanent failure (or retries exhausted): ledger first, then the dead-letter queue. */
async function fail(deps: WorkerDeps, msg: TapRequestMessage, reason: DeadLetterReason, description: string, log: Logger): Promise<Outcome> {
  const to: RequestStatus = reason === 'RetriesExhausted' ? 'dead-lettered' : 'failed';
  const status = await statusOf(deps, msg.requestId);
  if (status !== undefined && canTransition(status, to)) {
    await quietly(log, to, () => deps.ledger.transition(msg.requestId, to, { reasons: [reason], lastError: description }, deps.now()));
  }
  await quietly(log, 'audit', () => deps.ledger.appendAudit({ requestId: msg.requestId, actor: ACTOR, action: AUDIT.failed, at: deps.now(), detail: { reason } }));
  warn(log, LOG.deadLettered, { reason, description });
  return deadLetter(deps, reason, description);
}

function deadLetter(deps: WorkerDeps, reason: DeadLetterReason, description: string): Outcome {
  deps.metrics.deadLettered(deps.settings.requestsQueue, reason);
  return { kind: 'deadLetter', reason, description: `${reason}: ${description}` };
}

function abandon(log: Logger, err: unknown, why: 'bug' | 'stopping'): Outcome {
  // The consumer logs the stack (scrubbed) when it settles the abandon.
  const fields = { why, error: err instanceof Error ? err.name : typeof err };
  if (why === 'bug') error(log, LOG.abandoned, fields);
  else warn(log, LOG.abandoned, fields);
  return { kind: 'abandon', error: err };
}

async function statusOf(deps: WorkerDeps, requestId: string): Promise<RequestStatus | undefined> {
  try {
    return (await deps.ledger.getRequest(requestId))?.status;
  } catch {
    return undefined;
  }
}

/** A bookkeeping write that must not change the outcome: the ledger catches up on the next attempt. */
async function quietly(log: Logger, what: string, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    warn(log, LOG.ledgerWriteFailed, { to: what, error: err instanceof Error ? err.name : 'unknown' });
  }
}
