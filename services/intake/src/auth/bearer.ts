// The `Authorization: Bearer <token>` header (RFC 6750 section 2.1). Only the shape is checked
// here; the token itself is verified by the authenticator.

/** A compact JWS has three base64url segments; anything else is not worth a key lookup. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** Entra access tokens are a few KiB; a bound keeps a hostile header from costing CPU. */
const MAX_TOKEN_LENGTH = 16 * 1024;

export type BearerToken =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'token'; readonly token: string };

export function readBearerToken(authorization: string | null): BearerToken {
  if (authorization === null || authorization.trim() === '') return { kind: 'missing' };
  const match = /^Bearer +(\S+)\s*$/i.exec(authorization);
  const token = match?.[1];
  if (token === undefined) return { kind: 'malformed' };
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return { kind: 'malformed' };
  return { kind: 'token', token };
}
