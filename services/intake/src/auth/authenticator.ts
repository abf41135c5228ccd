// Who may call the intake: a bearer JWT issued by the configured Entra tenant to one of the
// allowed callers (the relay Logic App's managed identity), for the intake's audience, signed
// RS256 by a key in the tenant's JWKS. Reasons stay server-side; the caller only learns 401/403.
import { errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { readBearerToken } from './bearer.js';
import { createVerifiedTokenCache } from './verified-tokens.js';

export interface AuthenticatorOptions {
  readonly tenantId: string;
  /** Accepted `aud` values (Entra v1 tokens often carry the App ID URI, v2 the client id). */
  readonly audiences: readonly string[];
  /** Accepted `iss` values; see `entraIssuers`. */
  readonly issuers: readonly string[];
  /** Application (client) ids allowed to call, matched against `azp` (v2) or `appid` (v1). */
  readonly allowedCallers: readonly string[];
  readonly clockSkewSeconds: number;
  /** Key resolver: `remoteKeySet` in production, a local JWKS in unit tests. */
  readonly keys: JWTVerifyGetKey;
  /** Verified tokens to remember (see verified-tokens.ts); 0 verifies every request. */
  readonly cache?: { readonly maxEntries: number; readonly ttlMs: number };
  /** Seconds since the epoch; for tests. */
  readonly now?: () => number;
}

export interface Caller {
  readonly appId: string;
  readonly tenantId: string;
  readonly objectId?: string;
}

export type UnauthenticatedReason =
  | 'missing_token'
  | 'malformed_token'
  | 'algorithm_not_allowed'
  | 'unknown_key'
  | 'bad_signature'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_tenant'
  | 'invalid_claims';

export type AuthResult =
  | { readonly ok: true; readonly caller: Caller }
  /** 401: no valid token. */
  | { readonly ok: false; readonly kind: 'unauthenticated'; readonly reason: UnauthenticatedReason }
  /** 403: a valid token, but its caller is not on the allowlist. */
  | { readonly ok: false; readonly kind: 'forbidden'; readonly reason: 'caller_not_allowed'; readonly callerAppId: string }
  /** 503: the signing keys could not be fetched, so nothing can be verified right now. */
  | { readonly ok: false; readonly kind: 'unavailable'; readonly reason: 'keys_unavailable' };

export interface Authenticator {
  authenticate(authorizationHeader: string | null): Promise<AuthResult>;
}

/** The two issuer forms Entra uses for a tenant: v1 (sts.windows.net) and v2 (login.microsoftonline.com). */
export function entraIssuers(tenantId: string): string[] {
  return [`https://sts.windows.net/${tenantId}/`, `https://login.microsoftonline.com/${tenantId}/v2.0`];
}

const unauthenticated = (reason: UnauthenticatedReason): AuthResult => ({ ok: false, kind: 'unauthenticated', reason });

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const tenantId = options.tenantId.toLowerCase();
  const allowed = new Set(options.allowedCallers.map((id) => id.toLowerCase()));
  const verifyOptions = {
    algorithms: ['RS256'],
    issuer: [...options.issuers],
    audience: [...options.audiences],
    clockTolerance: options.clockSkewSeconds,
    requiredClaims: ['exp', 'tid'],
  };
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const verified = createVerifiedTokenCache({
    maxEntries: options.cache?.maxEntries ?? 0,
    ttlMs: options.cache?.ttlMs ?? 0,
    clockSkewSeconds: options.clockSkewSeconds,
  });

  return {
    async authenticate(authorizationHeader) {
      const bearer = readBearerToken(authorizationHeader);
      if (bearer.kind === 'missing') return unauthenticated('missing_token');
      if (bearer.kind === 'malformed') return unauthenticated('malformed_token');

      let payload = verified.get(bearer.token, now());
      if (payload === undefined) {
        try {
          ({ payload } = await jwtVerify(bearer.token, options.keys, { ...verifyOptions, currentDate: new Date(now() * 1000) }));
        } catch (error) {
          return translateJoseError(error);
        }
        verified.remember(bearer.token, payload, now());
      }

      if (typeof payload.tid !== 'string' || payload.tid.toLowerCase() !== tenantId) return unauthenticated('wrong_tenant');
      const callerAppId = callerOf(payload);
      if (callerAppId === undefined) return unauthenticated('invalid_claims');
      if (!allowed.has(callerAppId.toLowerCase())) return { ok: false, kind: 'forbidden', reason: 'caller_not_allowed', callerAppId };
      return {
        ok: true,
        caller: {
          appId: callerAppId,
          tenantId: payload.tid,
          ...(typeof payload.oid === 'string' ? { objectId: payload.oid } : {}),
        },
      };
    },
  };
}

/** v2 tokens name the client in `azp`, v1 tokens in `appid`; a token naming two different clients is refused. */
function callerOf(payload: JWTPayload): string | undefined {
  const azp = typeof payload.azp === 'string' ? payload.azp : undefined;
  const appid = typeof payload.appid === 'string' ? payload.appid : undefined;
  if (azp !== undefined && appid !== undefined && azp.toLowerCase() !== appid.toLowerCase()) return undefined;
  return azp ?? appid;
}

/** One place that turns jose's errors into outcomes. */
function translateJoseError(error: unknown): AuthResult {
  if (error instanceof errors.JWTExpired) return unauthenticated('expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'nbf':
        return unauthenticated('not_yet_valid');
      case 'iss':
        return unauthenticated('wrong_issuer');
      case 'aud':
        return unauthenticated('wrong_audience');
      default:
        return unauthenticated('invalid_claims');
    }
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return unauthenticated('algorithm_not_allowed');
  if (error instanceof errors.JWSSignatureVerificationFailed) return unauthenticated('bad_signature');
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return unauthenticated('unknown_key');
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported ||
    error instanceof errors.JWKInvalid
  ) {
    return unauthenticated('malformed_token');
  }
  // What is left comes from fetching the key set: a timeout, a non-200, invalid JSON, a refused
  // connection. The token may be fine; the caller should retry.
  return { ok: false, kind: 'unavailable', reason: 'keys_unavailable' };
}
