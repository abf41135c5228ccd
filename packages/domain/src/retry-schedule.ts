/**
 * The delayed-retry schedule: after attempt `n` of a request failed with a retryable error, the
 * worker completes the message and schedules a copy with `attempt: n + 1` after `retryDelayMs(n)`.
 *
 * Shape: exponential (`baseMs * factor^(n-1)`, capped at `capMs`), then proportional jitter: the
 * delay is drawn uniformly from `[d * (1 - jitterRatio), d]`. Full jitter (`jitterRatio: 1`) spreads
 * a herd best but can retry almost at once and halves how long an outage the budget survives;
 * decorrelated jitter needs the previous delay, which a stateless message does not carry. A 20%
 * spread is enough to de-synchronise a batch that failed together (three minutes apart at the cap)
 * while keeping a guaranteed lower bound on the total wait.
 *
 * Default budget: 10 attempts, 30 s doubling to a 15 min cap. The nine waits add up to between
 * 60.4 and 75.5 minutes, so a Graph or ACS outage of about an hour is survived; anything longer is
 * for a human (dead-letter `RetriesExhausted`, an alert, a replay).
 */
export interface RetrySchedule {
  readonly baseMs: number;
  readonly factor: number;
  readonly capMs: number;
  /** Total attempts including the first; after the last, dead-letter RetriesExhausted. */
  readonly maxAttempts: number;
  /** 0: no jitter; 1: full jitter. */
  readonly jitterRatio: number;
}

export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = Object.freeze({
  baseMs: 30_000,
  factor: 2,
  capMs: 15 * 60_000,
  maxAttempts: 10,
  jitterRatio: 0.2,
});

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError('attempt must be an integer >= 1');
}

/** The un-jittered delay after attempt `attempt` failed. */
export function nominalDelayMs(attempt: number, schedule: RetrySchedule): number {
  assertAttempt(attempt);
  // Exponent capped so huge attempt numbers do not overflow to Infinity before the cap applies.
  const grown = schedule.baseMs * Math.pow(schedule.factor, Math.min(attempt - 1, 1000));
  return Math.min(schedule.capMs, Number.isFinite(grown) ? grown : schedule.capMs);
}

/**
 * Delay before attempt `attempt + 1`, in whole milliseconds, always within [0, capMs]. A server's
 * Retry-After raises the delay (up to the cap) but never lowers it.
 */
export function retryDelayMs(attempt: number, schedule: RetrySchedule, random: () => number, retryAfterMs?: number): number {
  const nominal = nominalDelayMs(attempt, schedule);
  const r = random();
  const unit = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0;
  const ratio = Math.min(Math.max(schedule.jitterRatio, 0), 1);
  const jittered = nominal * (1 - ratio * unit);
  const floor = retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(Math.max(retryAfterMs, 0), schedule.capMs) : 0;
  return Math.round(Math.min(schedule.capMs, Math.max(jittered, floor)));
}

/** True when attempt `attempt` was the last one the budget allows. */
export function shouldDeadLetterAfter(attempt: number, schedule: RetrySchedule): boolean {
  assertAttempt(attempt);
  return attempt >= schedule.maxAttempts;
}

/** Bounds of the total waiting time across the whole budget (for docs, alerts and tests). */
export function retryBudgetMs(schedule: RetrySchedule): { readonly minMs: number; readonly maxMs: number } {
  let minMs = 0;
  let maxMs = 0;
  for (let attempt = 1; attempt < schedule.maxAttempts; attempt++) {
    maxMs += retryDelayMs(attempt, schedule, () => 0);
    minMs += retryDelayMs(attempt, schedule, () => 1);
  }
  return { minMs, maxMs };
}
