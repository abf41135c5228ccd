// 401 / 403 / 503 answers for a failed authentication (RFC 6750 section 3). The challenge never
// says which check failed: that detail is logged, not told to a caller who may be an attacker.
import type { HttpResponseInit } from '@azure/functions';
import type { AuthResult } from '../auth/authenticator.js';
import { problemResponse, problemTypes, serviceUnavailable } from './problem.js';

const REALM = 'tapline-intake';

export function authFailureResponse(result: Exclude<AuthResult, { ok: true }>, retryAfterSeconds: number): HttpResponseInit {
  switch (result.kind) {
    case 'unauthenticated': {
      // RFC 6750: a request without credentials gets a bare challenge; a bad token, invalid_token.
      const challenge =
        result.reason === 'missing_token'
          ? `Bearer realm="${REALM}"`
          : `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is not valid for this API"`;
      return problemResponse(
        { type: problemTypes.unauthorized, title: 'Unauthorized', status: 401, detail: 'A valid bearer token for this API is required.' },
        { 'www-authenticate': challenge },
      );
    }
    case 'forbidden':
      return problemResponse(
        { type: problemTypes.forbidden, title: 'Forbidden', status: 403, detail: 'The calling application is not allowed to submit requests.' },
        { 'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", error_description="The calling application is not allowed"` },
      );
    case 'unavailable':
      return serviceUnavailable(retryAfterSeconds, 'The token cannot be verified right now; retry later.');
  }
}
