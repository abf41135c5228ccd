import { MIN_EXACT_SECRET_LENGTH } from '@tapline/domain';

/**
 * Process-wide set of exact secret values to scrub from every log record: the worker registers the
 * TAP it just received from Graph, the notifier the TAP it just opened. Exact matching catches what
 * shape rules cannot (a TAP with no digit or no symbol). Bounded in size and time: the oldest
 * entry goes first when full, and entries expire (a TAP is logged, if ever, around issuance).
 */
export const SECRET_REGISTRY_MAX_ENTRIES = 1000;
export const SECRET_REGISTRY_DEFAULT_TTL_MS = 24 * 3_600_000;

const entries = new Map<string, number>();
// Every log line asks for the live values, usually several times (the record, then the message):
// hand out one list until the registry changes, and walk the entries for expiry only once the
// earliest expiry has passed, so a line costs neither a copy nor a 1000-entry scan. The list is
// readonly by type, not frozen: iterating a frozen array leaves V8's fast path (about 0.3 us and an
// iterator per string scrubbed). It comes wrapped as the scrubber's options, so the redactor needs
// no cache of its own that could keep a cleared or expired TAP alive after the registry let go.
let snapshot: RegisteredSecrets | undefined;
let earliestExpiry = Infinity;

/**
 * Scrub `value` from all log output until it expires. Values shorter than 6 characters are ignored
 * (they would shred ordinary words). Returns whether the value was registered.
 */
export function registerSecret(value: string, options: { ttlMs?: number; now?: number } = {}): boolean {
  if (typeof value !== 'string' || value.length < MIN_EXACT_SECRET_LENGTH) return false;
  const now = options.now ?? Date.now();
  pruneExpired(now);
  entries.delete(value); // re-insert so it counts as the newest
  const expiresAt = now + (options.ttlMs ?? SECRET_REGISTRY_DEFAULT_TTL_MS);
  entries.set(value, expiresAt);
  earliestExpiry = Math.min(earliestExpiry, expiresAt);
  while (entries.size > SECRET_REGISTRY_MAX_ENTRIES) {
    const oldest = entries.keys().next();
    if (oldest.done === true) break;
    entries.delete(oldest.value);
  }
  snapshot = undefined;
  return true;
}

/** The live values as `scrubSecrets` options: `{ exact }`, one object until the registry changes. */
export interface RegisteredSecrets {
  readonly exact: readonly string[];
}

/**
 * The live registered values (expired ones are dropped on the way), oldest first, as scrub options.
 * Shared with every caller until the registry changes: never mutate the list (it is not frozen).
 */
export function registeredScrubOptions(now: number = Date.now()): RegisteredSecrets {
  pruneExpired(now);
  snapshot ??= { exact: [...entries.keys()] };
  return snapshot;
}

/** The live registered values, oldest first: the same shared list, so never mutate it. */
export function registeredSecrets(now: number = Date.now()): readonly string[] {
  return registeredScrubOptions(now).exact;
}

export function registeredSecretCount(): number {
  return entries.size;
}

/** For tests, and for a process that rotates its whole context. */
export function clearRegisteredSecrets(): void {
  entries.clear();
  snapshot = undefined;
  earliestExpiry = Infinity;
}

function pruneExpired(now: number): void {
  if (now < earliestExpiry) return;
  earliestExpiry = Infinity;
  for (const [value, expiresAt] of entries) {
    if (expiresAt <= now) {
      entries.delete(value);
      snapshot = undefined;
    } else {
      earliestExpiry = Math.min(earliestExpiry, expiresAt);
    }
  }
}
