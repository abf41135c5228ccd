// A small cache of tokens whose signature and fixed claims were already verified. The relay
// presents the same managed-identity token for hours, and an RS256 verification is the largest
// single cost of a request; a hit still re-checks the time claims. Entries live at most `ttlMs`,
// so a key Entra withdraws stops being honoured within minutes, and only for tokens already seen.
import type { JWTPayload } from 'jose';

export interface VerifiedTokenCache {
  /** The payload of a token verified earlier, if it is still within its time claims. */
  get(token: string, nowSeconds: number): JWTPayload | undefined;
  remember(token: string, payload: JWTPayload, nowSeconds: number): void;
  readonly size: number;
}

export interface VerifiedTokenCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
  readonly clockSkewSeconds: number;
}

interface Entry {
  readonly payload: JWTPayload;
  readonly evictAtSeconds: number;
}

export function createVerifiedTokenCache(options: VerifiedTokenCacheOptions): VerifiedTokenCache {
  // Map keeps insertion order: the first key is the oldest, evicted first.
  const entries = new Map<string, Entry>();
  const skew = options.clockSkewSeconds;

  return {
    get(token, now) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      const { exp, nbf } = entry.payload;
      const expired = typeof exp === 'number' && now - skew >= exp;
      if (expired || now >= entry.evictAtSeconds) {
        entries.delete(token);
        return undefined;
      }
      // A token verified inside its nbf skew stays subject to it.
      if (typeof nbf === 'number' && now + skew < nbf) return undefined;
      return entry.payload;
    },
    remember(token, payload, now) {
      if (options.maxEntries <= 0) return;
      entries.delete(token);
      while (entries.size >= options.maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
      entries.set(token, { payload, evictAtSeconds: now + options.ttlMs / 1000 });
    },
    get size() {
      return entries.size;
    },
  };
}
