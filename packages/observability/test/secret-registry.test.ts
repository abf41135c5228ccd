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
