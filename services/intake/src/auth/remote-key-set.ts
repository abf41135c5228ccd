// The tenant's signing keys, fetched once and cached. An unknown `kid` (Entra rolled its keys)
// triggers a refetch, but at most one per cooldown, so a stream of tokens with invented kids
// cannot turn the intake into a JWKS request amplifier.
import { createRemoteJWKSet, customFetch } from 'jose';
import type { FetchImplementation, JWTVerifyGetKey } from 'jose';

export interface RemoteKeySetOptions {
  readonly jwksUri: string;
  /** Minimum time between two fetches triggered by an unknown `kid`. */
  readonly cooldownMs: number;
  /** Time after which the cached set is refreshed on the next use. */
  readonly cacheMaxAgeMs: number;
  /** One fetch must not eat the caller's whole timeout budget. */
  readonly timeoutMs: number;
  /** For tests that count fetches. */
  readonly fetch?: FetchImplementation;
}

export function remoteKeySet(options: RemoteKeySetOptions): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(options.jwksUri), {
    cooldownDuration: options.cooldownMs,
    cacheMaxAge: options.cacheMaxAgeMs,
    timeoutDuration: options.timeoutMs,
    ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
  });
}
