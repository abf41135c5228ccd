import { sleep } from './throttle-gate.js';

/**
 * Keeps this process's Graph calls of one kind under a budget (DESIGN section 5: "an adaptive
 * limiter keeps the worker under the documented identity write budget instead of colliding with
 * it"). Used for writes (3,000 per 150 s per app and tenant) and for the audit-log reads of the
 * identity reports service (5 requests per 10 s), the two budgets a TAP request can exhaust.
 *
 * A token bucket shaped like Graph's own (capacity `requests`, refilled continuously over
 * `windowMs`), so a budget copied from Graph's documentation (3,000 writes per 150 s per app and
 * tenant) is never exceeded by this process alone. Because other callers share the real budget,
 * the rate adapts (AIMD): each 429 halves it (down to `minFraction` of the budget), each success
 * adds back `increaseFraction` of it, up to the configured budget. Callers are served first come,
 * first served, so a burst of handlers cannot starve one of them.
 *
 * The budget is per process: with N replicas, give each budget / N.
 */
export interface RateLimiter {
  /** Waits for one token. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Graph answered 429 to such a call: back off multiplicatively. */
  onThrottled(): void;
  /** Such a call succeeded: recover additively. */
  onSuccess(): void;
  /** Current rate as a fraction of the configured budget (1 = full budget). */
  rateFraction(): number;
}

export interface RateBudget {
  /** Calls allowed per window (Graph writes: 3,000). */
  readonly requests: number;
  /** Window in milliseconds (Graph: 150,000). */
  readonly windowMs: number;
  /**
   * Fraction of the budget actually used (default 0.98): a little headroom for clock skew
   * between our bucket and Graph's, so we settle just under the limit instead of on it.
   */
  readonly utilisation?: number;
  readonly minFraction?: number;
  readonly increaseFraction?: number;
}

export function createRateLimiter(budget: RateBudget, now: () => number = Date.now): RateLimiter {
  if (!(budget.requests > 0 && budget.windowMs > 0)) throw new RangeError('a rate budget must be positive');
  const utilisation = budget.utilisation ?? 0.98;
  const minFraction = budget.minFraction ?? 0.1;
  const increase = budget.increaseFraction ?? 0.05;
  const capacity = Math.max(1, budget.requests * utilisation);
  const fullRatePerMs = (budget.requests * utilisation) / budget.windowMs;

  let fraction = 1;
  let tokens = capacity;
  let last = now();
  let queue: Promise<void> = Promise.resolve();

  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + (t - last) * fullRatePerMs * fraction);
    last = t;
  };

  async function takeOne(signal?: AbortSignal): Promise<void> {
    for (let rounds = 0; rounds < 10_000; rounds++) {
      refill();
      if (tokens >= 1) {
        tokens -= 1;
        return;
      }
      await sleep(Math.ceil((1 - tokens) / (fullRatePerMs * fraction)), signal);
    }
    throw new Error('rate limiter: gave up waiting for a token');
  }

  return {
    acquire(signal) {
      // Chain the waiters: each takes its token only after the previous one got its own.
      const mine = queue.then(() => takeOne(signal));
      queue = mine.catch(() => undefined);
      return mine;
    },
    onThrottled() {
      refill();
      fraction = Math.max(minFraction, fraction / 2);
      // What we had saved up was evidently not ours to spend.
      tokens = Math.min(tokens, 0);
    },
    onSuccess() {
      refill();
      fraction = Math.min(1, fraction + increase);
    },
    rateFraction: () => fraction,
  };
}
