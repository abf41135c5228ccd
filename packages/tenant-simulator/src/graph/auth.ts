import { errors, jwtVerify, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { KeyRing } from '../identity/keys.js';
import { issuerV1, issuerV2 } from '../identity/tokens.js';
import { GraphError } from './errors.js';

/** Audiences Graph accepts in an access token. */
export const graphAudiences = ['https://graph.microsoft.com', 'https://graph.microsoft.com/', '00000003-0000-0000-c000-000000000000'];

export interface Caller {
  appId: string;
  servicePrincipalId: string;
  roles: string[];
  claims: JWTPayload;
}

const wwwAuthenticate = {
  'www-authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
};

const unauthenticated = (message: string): GraphError => new GraphError(401, 'InvalidAuthenticationToken', message, wwwAuthenticate);

/** Allowed clock skew, as Entra-protected resources allow (5 minutes). */
export const clockSkewSeconds = 300;

/**
 * Validates the bearer token as Graph would: signature against the tenant's published keys,
 * issuer (v1 or v2 form of this tenant), audience, lifetime. The 401 messages are close to
 * Graph's; the exact wording per failure is a best guess.
 */
export async function authenticate(authorization: string | undefined, keys: KeyRing, tenantId: string): Promise<Caller> {
  const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!m) throw unauthenticated('Access token is empty.');
  const token = m[1]!;
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw unauthenticated('IDX14100: JWT is not well formed, there are no dots (.).');
  }
  const key = kid ? keys.find(kid) : undefined;
  if (!key) throw unauthenticated('Access token validation failure. Invalid signing key.');
  try {
    const { payload } = await jwtVerify(token, key.publicKey, {
      algorithms: ['RS256'],
      issuer: [issuerV1(tenantId), issuerV2(tenantId)],
      audience: graphAudiences,
      clockTolerance: clockSkewSeconds,
      requiredClaims: ['exp', 'nbf', 'tid'],
    });
    if (String(payload.tid).toLowerCase() !== tenantId) throw unauthenticated('Access token validation failure. Invalid tenant.');
    const appId = typeof payload.appid === 'string' ? payload.appid : typeof payload.azp === 'string' ? payload.azp : '';
    return {
      appId,
      servicePrincipalId: typeof payload.oid === 'string' ? payload.oid : '',
      roles: Array.isArray(payload.roles) ? payload.roles.map(String) : [],
      claims: payload,
    };
  } catch (err) {
    if (err instanceof GraphError) throw err;
    if (err instanceof errors.JWTExpired) throw unauthenticated('Lifetime validation failed, the token is expired.');
    if (err instanceof errors.JWTClaimValidationFailed) {
      if (err.claim === 'nbf') throw unauthenticated('Lifetime validation failed, the token is not yet valid.');
      if (err.claim === 'aud') throw unauthenticated('Access token validation failure. Invalid audience.');
      if (err.claim === 'iss') throw unauthenticated('Access token validation failure. Invalid issuer.');
      throw unauthenticated(`Access token validation failure. Missing or invalid claim ${err.claim}.`);
    }
    if (err instanceof errors.JWSSignatureVerificationFailed) throw unauthenticated('Access token validation failure. Invalid signature.');
    throw unauthenticated('Access token validation failure.');
  }
}

/** App-only permission check: any one of the listed application permissions suffices. */
export function authorize(caller: Caller, anyOf: readonly string[]): void {
  if (anyOf.length === 0) return;
  if (!caller.roles.some((r) => anyOf.includes(r))) {
    throw new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  }
}
