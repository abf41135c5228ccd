// Test-only token factory: an RS256 key pair (or two) published as a local JWKS, and signers for
// every kind of bad token the security suites throw at the intake.
import { randomUUID } from 'node:crypto';
import { SignJWT, createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair } from 'jose';
import { createAuthenticator, entraIssuers } from '../../src/auth/authenticator.js';
import type { Authenticator } from '../../src/auth/authenticator.js';
import type { CryptoKey, JSONWebKeySet, JWK, JWTPayload } from 'jose';

export interface TestKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly publicPem: string;
}

export async function newKey(kid = randomUUID()): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export function jwksOf(...keys: TestKey[]): JSONWebKeySet {
  return { keys: keys.map((k) => k.publicJwk) };
}

export const TENANT_ID = '8f0a5b2e-5c3d-4e61-9a0b-1c2d3e4f5a6b';
export const OTHER_TENANT_ID = '0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
export const RELAY_APP_ID = '3d5e7f91-2a4b-4c6d-8e0f-1a2b3c4d5e6f';
export const OTHER_APP_ID = '9e8d7c6b-5a49-4382-a716-0f1e2d3c4b5a';
export const AUDIENCE = 'api://tapline-intake';

/** Claims of a v1 managed-identity token as Entra issues them to the relay. */
export function relayClaims(overrides: JWTPayload = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  return {
    aud: AUDIENCE,
    iss: `https://sts.windows.net/${TENANT_ID}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    appid: RELAY_APP_ID,
    appidacr: '2',
    idtyp: 'app',
    oid: randomUUID(),
    sub: randomUUID(),
    tid: TENANT_ID,
    ver: '1.0',
    ...overrides,
  };
}

export async function sign(key: TestKey, claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid ?? key.kid }).sign(key.privateKey);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsecured JWT (`alg: none`, empty signature). */
export function unsignedToken(claims: JWTPayload): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
}

/** The classic key-confusion attack: HS256 with the RSA public key (PEM) as the HMAC secret. */
export async function hs256WithPublicKey(key: TestKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: key.kid }).sign(new TextEncoder().encode(key.publicPem));
}

/** A well-formed RS256 token whose signature does not match its content. */
export async function tamperedToken(key: TestKey, claims: JWTPayload): Promise<string> {
  const token = await sign(key, claims);
  const [header, , signature] = token.split('.');
  return `${header}.${b64({ ...claims, appid: claims.appid, oid: randomUUID() })}.${signature}`;
}

/** The authenticator as main.ts builds it, for the test tenant and relay over a local JWKS. */
export function relayAuthenticator(key: TestKey, cache?: { maxEntries: number; ttlMs: number }): Authenticator {
  return createAuthenticator({
    tenantId: TENANT_ID,
    audiences: [AUDIENCE],
    issuers: entraIssuers(TENANT_ID),
    allowedCallers: [RELAY_APP_ID],
    clockSkewSeconds: 60,
    keys: createLocalJWKSet(jwksOf(key)),
    ...(cache === undefined ? {} : { cache }),
  });
}
