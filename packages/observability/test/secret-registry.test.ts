import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_REGISTRY_MAX_ENTRIES, clearRegisteredSecrets, registerSecret, registeredSecretCount } from '../src/index.js';
import { registeredSecrets } from '../src/secret-registry.js';

afterEach(() => clearRegisteredSecrets());

/**
 * The registry as first written: prune and copy on every read. The real one hands out a cached
 * list and prunes only once the earliest expiry has passed; it must answer exactly like this.
 */
function modelRegistry() {
  const entries = new Map<string, number>();
  const prune = (now: number) => {
    for (const [value, expiresAt] of entries) if (expiresAt <= now) entries.delete(value);
  };
  return {
    register(value: string, ttlMs: number, now: number): boolean {
      if (value.length < 6) return false;
      prune(now);
      entries.delete(value);
      entries.set(value, now + ttlMs);
      while (entries.size > SECRET_REGISTRY_MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      return true;
    },
    read(now: number): string[] {
      prune(now);
      return [...entries.keys()];
    },
    clear: () => entries.clear(),
  };
}

type Step = { kind: 'register'; value: string; ttlMs: number; now: number } | { kind: 'read'; now: number } | { kind: 'clear' };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      value: fc.constantFrom('short', 'secret-a', 'secret-b', 'secret-c', 'secret-d', 'secret-e'),
      ttlMs: fc.integer({ min: 0, max: 100 }),
      // Times go backwards too (clock steps, callers passing `now`).
      now: fc.integer({ min: 0, max: 200 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('read' as const), now: fc.integer({ min: 0, max: 300 }) }), weight: 4 },
  { arbitrary: fc.constant({ kind: 'clear' as const }), weight: 1 },
);

/**
 * Past the capacity: more than SECRET_REGISTRY_MAX_ENTRIES registrations, mostly new values, some
 * re-registered, with short and long lifetimes and a clock that mostly moves forward, so the oldest
 * are evicted while entries expire, including the one the earliest-expiry bookkeeping points at.
 */
type BulkStep = { kind: 'register'; fresh: boolean; pick: number; ttlMs: number; dt: number } | { kind: 'read'; dt: number };

const bulkStep: fc.Arbitrary<BulkStep> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('register' as const),
      fresh: fc.integer({ min: 0, max: 9 }).map((n) => n > 0),
      pick: fc.nat(),
      ttlMs: fc.oneof({ arbitrary: fc.integer({ min: 0, max: 400 }), weight: 1 }, { arbitrary: fc.integer({ min: 5_000, max: 100_000 }), weight: 9 }),
      dt: fc.integer({ min: -3, max: 4 }),
    }),
    weight: 30,
  },
  { arbitrary: fc.record({ kind: fc.constant('read' as const), dt: fc.integer({ min: -3, max: 4 }) }), weight: 1 },
);

describe('secret registry', () => {
  it('reads the same live values as pruning and copying on every read would', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        clearRegisteredSecrets();
        const model = modelRegistry();
        for (const s of steps) {
          if (s.kind === 'register') expect(registerSecret(s.value, { ttlMs: s.ttlMs, now: s.now })).toBe(model.register(s.value, s.ttlMs, s.now));
          else if (s.kind === 'read') expect([...registeredSecrets(s.now)]).toEqual(model.read(s.now));
          else {
            clearRegisteredSecrets();
            model.clear();
          }
        }
      }),
    );
  });

  it('evicts past the capacity and expires exactly as pruning and copying on every read would', () => {
    let runsAtCapacity = 0;
    fc.assert(
      fc.property(fc.array(bulkStep, { minLength: SECRET_REGISTRY_MAX_ENTRIES + 500, maxLength: SECRET_REGISTRY_MAX_ENTRIES + 900 }), (steps) => {
        clearRegisteredSecrets();
        const model = modelRegistry();
        let now = 1_000;
        let fresh = 0;
        let reachedCapacity = false;
        for (const s of steps) {
          now = Math.max(0, now + s.dt);
          if (s.kind === 'read') {
            expect([...registeredSecrets(now)]).toEqual(model.read(now));
            continue;
          }
          const value = `bulk-secret-${String(s.fresh || fresh === 0 ? fresh++ : s.pick % fresh)}`;
          expect(registerSecret(value, { ttlMs: s.ttlMs, now })).toBe(model.register(value, s.ttlMs, now));
          expect(registeredSecretCount()).toBeLessThanOrEqual(SECRET_REGISTRY_MAX_ENTRIES);
          if (registeredSecretCount() === SECRET_REGISTRY_MAX_ENTRIES) reachedCapacity = true;
        }
        // Then let time run out in steps: every remaining expiry is crossed in order.
        for (let later = now; later <= now + 100_000; later += 2_500) expect([...registeredSecrets(later)]).toEqual(model.read(later));
        if (reachedCapacity) runsAtCapacity++;
      }),
      // No shrinking: a counterexample is a thousand steps long and each try replays all of them.
      { numRuns: 30, endOnFailure: true },
    );
    // The generator is meant to reach the bound; a run that never gets there tests nothing new.
    expect(runsAtCapacity).toBeGreaterThan(20);
  });

  it('hands out the same list until a value is added, then a new one', () => {
    registerSecret('first-secret');
    const before = registeredSecrets();
    expect(registeredSecrets()).toBe(before);
    registerSecret('second-secret');
    expect(registeredSecrets()).toEqual(['first-secret', 'second-secret']);
    expect(before).toEqual(['first-secret']);
    expect(registeredSecretCount()).toBe(2);
  });
});
