/**
 * A sliding-window limiter: at most `limit` units per key in any `windowMs`. It answers a refusal
 * with the time until enough units leave the window, which becomes the 429's Retry-After, so a
 * client that honours Retry-After gets through on its next try.
 */
export type Admission = { ok: true } | { ok: false; retryAfterMs: number };

export class SlidingWindowLimiter {
  private readonly taken = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  tryTake(key: string, units: number, now: number): Admission {
    const horizon = now - this.windowMs;
    const log = (this.taken.get(key) ?? []).filter((t) => t > horizon);
    if (units > this.limit) {
      // Can never fit in one window; ACS would split or reject such a batch. Refuse for a window.
      this.taken.set(key, log);
      return { ok: false, retryAfterMs: this.windowMs };
    }
    const excess = log.length + units - this.limit;
    if (excess > 0) {
      this.taken.set(key, log);
      const freedAt = (log[excess - 1] ?? now) + this.windowMs;
      return { ok: false, retryAfterMs: Math.max(1, freedAt - now) };
    }
    for (let i = 0; i < units; i += 1) log.push(now);
    this.taken.set(key, log);
    return { ok: true };
  }

  reset(): void {
    this.taken.clear();
  }
}
