import { beforeAll, describe, expect, it } from 'vitest';
import { createLocalJWKSet } from 'jose';
import type { FetchImplementation, JWTVerifyGetKey } from 'jose';
import { createAuthenticator, entraIssuers } from '../../src/auth/authenticator.js';
import type { AuthResult } from '../../src/auth/authenticator.js';
import { remoteKeySet } from '../../src/auth/remote-key-set.js';
import {
  AUDIENCE,
  OTHER_APP_ID,
  OTHER_TENANT_ID,
  RELAY_APP_ID,
  TENANT_ID,
  hs256WithPublicKey,
  jwksOf,
  newKey,
  relayClaims,
  sign,
  tamperedToken,
  unsignedToken,
} from '../helpers/tokens.js';
import type { TestKey } from '../helpers/tokens.js';

let key: TestKey;
let unpublished: TestKey;

beforeAll(async () => {
  [key, unpublished] = await Promise.all([newKey(), newKey()]);
});

function authenticator(keys: JWTVerifyGetKey = createLocalJWKSet(jwksOf(key))) {
  return createAuthenticator({
    tenantId: TENANT_ID,
    audiences: [AUDIENCE],
    issuers: entraIssuers(TENANT_ID),
    allowedCallers: [RELAY_APP_ID],
    clockSkewSeconds: 60,
    keys,
  });
}

const bearer = (token: string) => `Bearer ${token}`;
const now = () => Math.floor(Date.now() / 1000);

describe('authenticator', () => {
  it('accepts a v1 managed-identity token of the relay', async () => {
    const result = await authenticator().authenticate(bearer(await sign(key, relayClaims())));
    expect(result).toMatchObject({ ok: true, caller: { appId: RELAY_APP_ID, tenantId: TENANT_ID } });
  });

  it('accepts a v2 token (azp, login.microsoftonline.com issuer)', async () => {
    const claims = relayClaims({ iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`, ver: '2.0', appid: undefined, azp: RELAY_APP_ID });
    const result = await authenticator().authenticate(bearer(await sign(key, claims)));
    expect(result.ok).toBe(true);
  });

  it('accepts a token within the clock skew (expired 30 s ago, valid from 30 s ahead)', async () => {
    const expired = await authenticator().authenticate(bearer(await sign(key, relayClaims({ exp: now() - 30 }))));
    const early = await authenticator().authenticate(bearer(await sign(key, relayClaims({ nbf: now() + 30 }))));
    expect([expired.ok, early.ok]).toEqual([true, true]);
  });

  const cases: [string, () => Promise<string | null>, AuthResult][] = [
    ['no Authorization header', () => Promise.resolve(null), { ok: false, kind: 'unauthenticated', reason: 'missing_token' }],
    ['a Basic header', () => Promise.resolve('Basic dXNlcjpwYXNz'), { ok: false, kind: 'unauthenticated', reason: 'malformed_token' }],
    ['a token that is not a JWT', () => Promise.resolve('Bearer not-a-jwt'), { ok: false, kind: 'unauthenticated', reason: 'malformed_token' }],
    ['three segments of garbage', () => Promise.resolve('Bearer aaaa.bbbb.cccc'), { ok: false, kind: 'unauthenticated', reason: 'malformed_token' }],
    ['alg none', () => Promise.resolve(bearer(unsignedToken(relayClaims()))), { ok: false, kind: 'unauthenticated', reason: 'algorithm_not_allowed' }],
    ['HS256 with the public key as secret', async () => bearer(await hs256WithPublicKey(key, relayClaims())), { ok: false, kind: 'unauthenticated', reason: 'algorithm_not_allowed' }],
    ['a wrong signature', async () => bearer(await tamperedToken(key, relayClaims())), { ok: false, kind: 'unauthenticated', reason: 'bad_signature' }],
    ['a key that is not published, under a published kid', async () => bearer(await sign(unpublished, relayClaims(), { kid: key.kid })), { ok: false, kind: 'unauthenticated', reason: 'bad_signature' }],
    ['an unknown kid', async () => bearer(await sign(unpublished, relayClaims())), { ok: false, kind: 'unauthenticated', reason: 'unknown_key' }],
    ['expired', async () => bearer(await sign(key, relayClaims({ exp: now() - 600 }))), { ok: false, kind: 'unauthenticated', reason: 'expired' }],
    ['not yet valid', async () => bearer(await sign(key, relayClaims({ nbf: now() + 600 }))), { ok: false, kind: 'unauthenticated', reason: 'not_yet_valid' }],
    ['no exp', async () => bearer(await sign(key, relayClaims({ exp: undefined }))), { ok: false, kind: 'unauthenticated', reason: 'invalid_claims' }],
    ['a wrong issuer', async () => bearer(await sign(key, relayClaims({ iss: 'https://evil.example/' }))), { ok: false, kind: 'unauthenticated', reason: 'wrong_issuer' }],
    ['the issuer of another tenant', async () => bearer(await sign(key, relayClaims({ iss: `https://sts.windows.net/${OTHER_TENANT_ID}/` }))), { ok: false, kind: 'unauthenticated', reason: 'wrong_issuer' }],
    ['a tid of another tenant', async () => bearer(await sign(key, relayClaims({ tid: OTHER_TENANT_ID }))), { ok: false, kind: 'unauthenticated', reason: 'wrong_tenant' }],
    ['no tid', async () => bearer(await sign(key, relayClaims({ tid: undefined }))), { ok: false, kind: 'unauthenticated', reason: 'invalid_claims' }],
    ['a wrong audience', async () => bearer(await sign(key, relayClaims({ aud: 'https://graph.microsoft.com' }))), { ok: false, kind: 'unauthenticated', reason: 'wrong_audience' }],
    ['no caller claim', async () => bearer(await sign(key, relayClaims({ appid: undefined }))), { ok: false, kind: 'unauthenticated', reason: 'invalid_claims' }],
    ['azp and appid naming different clients', async () => bearer(await sign(key, relayClaims({ azp: OTHER_APP_ID }))), { ok: false, kind: 'unauthenticated', reason: 'invalid_claims' }],
    ['a caller not on the allowlist', async () => bearer(await sign(key, relayClaims({ appid: OTHER_APP_ID }))), { ok: false, kind: 'forbidden', reason: 'caller_not_allowed', callerAppId: OTHER_APP_ID }],
  ];

  it.each(cases)('refuses %s', async (_name, header, expected) => {
    expect(await authenticator().authenticate(await header())).toEqual(expected);
  });
});

describe('remote key set', () => {
  function countingFetch(jwks: () => object): { fetch: FetchImplementation; count: () => number } {
    let count = 0;
    return {
      fetch: () => {
        count++;
        return Promise.resolve(new Response(JSON.stringify(jwks()), { status: 200, headers: { 'content-type': 'application/json' } }));
      },
      count: () => count,
    };
  }

  it('fetches the JWKS once and serves later tokens from the cache', async () => {
    const jwks = countingFetch(() => jwksOf(key));
    const auth = authenticator(remoteKeySet({ jwksUri: 'https://login.example/keys', cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 500, fetch: jwks.fetch }));
    for (let i = 0; i < 5; i++) expect((await auth.authenticate(bearer(await sign(key, relayClaims())))).ok).toBe(true);
    expect(jwks.count()).toBe(1);
  });

  it('refetches at most once per cooldown for unknown kids, and picks up a rolled key', async () => {
    const published = jwksOf(key);
    const jwks = countingFetch(() => published);
    const auth = authenticator(remoteKeySet({ jwksUri: 'https://login.example/keys', cooldownMs: 30_000, cacheMaxAgeMs: 600_000, timeoutMs: 500, fetch: jwks.fetch }));
    expect((await auth.authenticate(bearer(await sign(key, relayClaims())))).ok).toBe(true);
    expect(jwks.count()).toBe(1);

    // A flood of invented kids right after the fetch: the cooldown holds, no refetch at all.
    for (let i = 0; i < 20; i++) {
      const result = await auth.authenticate(bearer(await sign(unpublished, relayClaims(), { kid: `invented-${i}` })));
      expect(result).toMatchObject({ ok: false, reason: 'unknown_key' });
    }
    expect(jwks.count()).toBe(1);
  });

  it('an unknown kid after the cooldown triggers exactly one refetch, which finds a rolled key', async () => {
    let published = jwksOf(key);
    const jwks = countingFetch(() => published);
    const auth = authenticator(remoteKeySet({ jwksUri: 'https://login.example/keys', cooldownMs: 1_000, cacheMaxAgeMs: 600_000, timeoutMs: 500, fetch: jwks.fetch }));
    expect((await auth.authenticate(bearer(await sign(key, relayClaims())))).ok).toBe(true);
    published = jwksOf(key, unpublished); // Entra rolled a new key in.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const tokens = await Promise.all(Array.from({ length: 10 }, () => sign(unpublished, relayClaims())));
    const results = await Promise.all(tokens.map((t) => auth.authenticate(bearer(t))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(jwks.count()).toBe(2);
  });

  it('reports unavailable keys (not an invalid token) when the JWKS cannot be fetched', async () => {
    const auth = authenticator(
      remoteKeySet({
        jwksUri: 'https://login.example/keys',
        cooldownMs: 30_000,
        cacheMaxAgeMs: 600_000,
        timeoutMs: 500,
        fetch: () => Promise.resolve(new Response('busy', { status: 503 })),
      }),
    );
    expect(await auth.authenticate(bearer(await sign(key, relayClaims())))).toEqual({ ok: false, kind: 'unavailable', reason: 'keys_unavailable' });
  });
});

describe('verified-token cache', () => {
  function countingKeys(): { keys: JWTVerifyGetKey; count: () => number } {
    const local = createLocalJWKSet(jwksOf(key));
    let count = 0;
    return {
      keys: (header, token) => {
        count++;
        return local(header, token);
      },
      count: () => count,
    };
  }

  function cachedAuthenticator(keys: JWTVerifyGetKey, clock: { now: number }, cache = { maxEntries: 2, ttlMs: 600_000 }) {
    return createAuthenticator({
      tenantId: TENANT_ID,
      audiences: [AUDIENCE],
      issuers: entraIssuers(TENANT_ID),
      allowedCallers: [RELAY_APP_ID],
      clockSkewSeconds: 60,
      keys,
      cache,
      now: () => clock.now,
    });
  }

  it('verifies a token once and serves repeats from the cache, still checking the caller', async () => {
    const counting = countingKeys();
    const clock = { now: now() };
    const auth = cachedAuthenticator(counting.keys, clock);
    const token = await sign(key, relayClaims());
    const forbidden = await sign(key, relayClaims({ appid: OTHER_APP_ID }));
    for (let i = 0; i < 5; i++) {
      expect((await auth.authenticate(bearer(token))).ok).toBe(true);
      expect(await auth.authenticate(bearer(forbidden))).toMatchObject({ ok: false, kind: 'forbidden' });
    }
    expect(counting.count()).toBe(2);
  });

  it('refuses a cached token once it expires', async () => {
    const clock = { now: now() };
    const auth = cachedAuthenticator(countingKeys().keys, clock);
    const token = await sign(key, relayClaims({ exp: clock.now + 120 }));
    expect((await auth.authenticate(bearer(token))).ok).toBe(true);
    clock.now += 120 + 61;
    expect(await auth.authenticate(bearer(token))).toEqual({ ok: false, kind: 'unauthenticated', reason: 'expired' });
  });

  it('verifies again after the cache lifetime, and evicts the oldest past its size', async () => {
    const counting = countingKeys();
    const clock = { now: now() };
    const auth = cachedAuthenticator(counting.keys, clock, { maxEntries: 2, ttlMs: 60_000 });
    const [a, b, c] = await Promise.all([sign(key, relayClaims()), sign(key, relayClaims()), sign(key, relayClaims())]);
    for (const t of [a, b, c]) await auth.authenticate(bearer(t ?? ''));
    expect(counting.count()).toBe(3);
    await auth.authenticate(bearer(c ?? '')); // cached
    await auth.authenticate(bearer(a ?? '')); // evicted by c: verified again
    expect(counting.count()).toBe(4);
    clock.now += 61;
    await auth.authenticate(bearer(a ?? ''));
    expect(counting.count()).toBe(5);
  });

  it('never caches a refusal', async () => {
    const counting = countingKeys();
    const auth = cachedAuthenticator(counting.keys, { now: now() });
    const token = await tamperedToken(key, relayClaims());
    for (let i = 0; i < 3; i++) expect(await auth.authenticate(bearer(token))).toMatchObject({ reason: 'bad_signature' });
    expect(counting.count()).toBe(3);
  });
});
