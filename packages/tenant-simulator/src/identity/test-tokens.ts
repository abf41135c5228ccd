import { randomBytes } from 'node:crypto';
import type { JWTPayload } from 'jose';
import { issuerV1, issuerV2, type IssuedToken, type TokenIssuer } from './tokens.js';

/** `POST /_sim/tokens` body: any token a security test needs (README "Test tokens"). */
export interface TestTokenRequest {
  /** App name, appId or servicePrincipalId; default: the relay app. */
  app?: string;
  /** A known resource (URI or appId) or any string for wrong-audience tests; default Graph. */
  audience?: string;
  version?: 1 | 2;
  /** Replaces the granted roles; `null` or `[]` removes the claim. */
  roles?: string[] | null;
  expiresInSeconds?: number;
  notBeforeInSeconds?: number;
  issuedAtOffsetSeconds?: number;
  /** Another tenant id (iss and tid follow it). */
  tenantId?: string;
  /** Claims merged last; a null value removes the claim. */
  claims?: Record<string, unknown>;
  kid?: string;
  signWith?: 'active' | 'foreign' | 'none';
}

export class TestTokenError extends Error {}

export async function mintTestToken(issuer: TokenIssuer, body: TestTokenRequest, defaultApp: string | undefined): Promise<IssuedToken> {
  const appRef = body.app ?? defaultApp;
  const app = appRef ? issuer.findApp(appRef) : undefined;
  if (!app) throw new TestTokenError(`unknown app ${appRef ?? '(none)'}`);
  const requested = body.audience ?? 'https://graph.microsoft.com';
  const resolved = issuer.resolveResource(requested);
  const version = body.version ?? resolved?.resource.accessTokenVersion ?? 1;
  const aud = resolved ? (version === 2 ? resolved.resource.appId : resolved.aud) : requested;
  const grantedRoles = resolved ? app.roles?.[resolved.resource.name] ?? [] : [];
  const roles = body.roles === undefined ? grantedRoles : body.roles ?? [];
  const tid = body.tenantId ?? issuer.tenantId;
  const now = Math.floor(Date.now() / 1000) + (body.issuedAtOffsetSeconds ?? 0);
  const claims: JWTPayload = {
    aud,
    iat: now,
    nbf: now + (body.notBeforeInSeconds ?? 0),
    exp: now + (body.expiresInSeconds ?? 3600),
    idtyp: 'app',
    oid: app.servicePrincipalId,
    sub: app.servicePrincipalId,
    tid,
    uti: randomBytes(16).toString('base64url'),
    ...(roles.length > 0 ? { roles } : {}),
    ...(version === 2
      ? { iss: issuerV2(tid), azp: app.appId, azpacr: '2', ver: '2.0' }
      : { iss: issuerV1(tid), idp: issuerV1(tid), appid: app.appId, appidacr: '2', ver: '1.0' }),
  };
  for (const [k, v] of Object.entries(body.claims ?? {})) {
    if (v === null) delete claims[k];
    else claims[k] = v;
  }
  try {
    return await issuer.mint(claims, { kid: body.kid, signWith: body.signWith });
  } catch (err) {
    throw new TestTokenError((err as Error).message);
  }
}
