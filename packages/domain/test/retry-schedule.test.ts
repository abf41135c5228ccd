import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule, nominalDelayMs, retryBudgetMs, retryDelayMs, shouldDeadLetterAfter } from '../src/index.js';

const s = DEFAULT_RETRY_SCHEDULE;

describe('retry schedule', () => {
  it('grows exponentially from the base to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9].map((a) => nominalDelayMs(a, s))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000, 900_000]);
    expect(nominalDelayMs(5_000, s)).toBe(s.capMs);
  });

  it('keeps every delay within [0, cap] for any attempt, random value and Retry-After', () => {
    const schedule = fc.record({
      baseMs: fc.integer({ min: 0, max: 120_000 }),
      factor: fc.double({ min: 1, max: 10, noNaN: true }),
      capMs: fc.integer({ min: 0, max: 3_600_000 }),
      maxAttempts: fc.integer({ min: 1, max: 50 }),
      jitterRatio: fc.double({ min: -1, max: 2, noNaN: true }),
    });
    fc.assert(
      fc.property(
        schedule,
        fc.integer({ min: 1, max: 10_000 }),
        fc.oneof(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(Number.NaN, -3, 7, 1)),
        fc.option(fc.oneof(fc.integer({ min: -10, max: 10_000_000 }), fc.constant(Number.POSITIVE_INFINITY)), { nil: undefined }),
        (sched: RetrySchedule, attempt, r, retryAfter) => {
          const delay = retryDelayMs(attempt, sched, () => r, retryAfter);
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(sched.capMs);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('jitters within 20% below the nominal delay', () => {
    for (let attempt = 1; attempt < s.maxAttempts; attempt++) {
      const nominal = nominalDelayMs(attempt, s);
      expect(retryDelayMs(attempt, s, () => 0)).toBe(nominal);
      expect(retryDelayMs(attempt, s, () => 0.999_999)).toBeGreaterThanOrEqual(Math.floor(nominal * 0.8));
    }
  });

  it('has a non-decreasing expected delay', () => {
    let previous = 0;
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let attempt = 1; attempt <= 12; attempt++) {
      let sum = 0;
      for (let i = 0; i < 2000; i++) sum += retryDelayMs(attempt, s, random);
      const mean = sum / 2000;
      expect(mean).toBeGreaterThanOrEqual(previous * 0.98);
      previous = mean;
    }
  });

  it('honours Retry-After up to the cap but never shortens the backoff with it', () => {
    expect(retryDelayMs(1, s, () => 0, 120_000)).toBe(120_000);
    expect(retryDelayMs(1, s, () => 0, 1_000)).toBe(30_000);
    expect(retryDelayMs(1, s, () => 0, 10 * 3_600_000)).toBe(s.capMs);
  });

  it('dead-letters after the attempt budget and survives an hour-long outage before that', () => {
    expect(shouldDeadLetterAfter(s.maxAttempts - 1, s)).toBe(false);
    expect(shouldDeadLetterAfter(s.maxAttempts, s)).toBe(true);
    expect(shouldDeadLetterAfter(s.maxAttempts + 5, s)).toBe(true);
    const budget = retryBudgetMs(s);
    expect(budget.minMs).toBeGreaterThanOrEqual(60 * 60_000);
    expect(budget.maxMs).toBeLessThanOrEqual(80 * 60_000);
  });

  it('refuses attempts that are not positive integers', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) {
      expect(() => retryDelayMs(attempt, s, () => 0.5)).toThrow(RangeError);
      expect(() => shouldDeadLetterAfter(attempt, s)).toThrow(RangeError);
    }
  });
});
