import { describe, expect, it } from 'vitest';
import { GraphError } from '@microsoft/microsoft-graph-client';
import { PermanentError, isPermanent, isRetryable } from '@tapline/domain';
import { parseRetryAfter, translateGraphError } from '@tapline/graph';

function graphError(status: number, code: string, headers: Record<string, string> = {}, message = 'graph said no'): GraphError {
  const e = new GraphError(status, message);
  e.code = code;
  e.headers = new Headers(headers);
  return e;
}

describe('translateGraphError', () => {
  it('makes throttling and server errors retryable, keeping Retry-After', () => {
    const throttled = translateGraphError(graphError(429, 'Request_ThrottledTemporarily', { 'retry-after': '2.128' }), { operation: 'getUser' });
    expect(isRetryable(throttled) && throttled.retryAfterMs).toBe(2128);
    for (const status of [500, 502, 503, 504, 408, 401, 409, 412]) {
      expect(isRetryable(translateGraphError(graphError(status, 'x'), { operation: 'op' }))).toBe(true);
    }
  });

  it('gives permanent failures their specific reason', () => {
    const forbidden = translateGraphError(graphError(403, 'Authorization_RequestDenied'), { operation: 'getUser', notFound: 'TargetNotFound' });
    expect(isPermanent(forbidden) && forbidden.reason).toBe('GraphForbidden');
    const missing = translateGraphError(graphError(404, 'Request_ResourceNotFound'), { operation: 'getUser', notFound: 'RequestorNotFound' });
    expect(isPermanent(missing) && missing.reason).toBe('RequestorNotFound');
    const policy = translateGraphError(graphError(400, 'badRequest', {}, 'Invalid LifetimeInMinutes specified. The valid range between 60 and 480.'), { operation: 'createTap', policyGuarded: true });
    expect(isPermanent(policy) && policy.reason).toBe('TapPolicyRejected');
    expect(policy.message).toContain('valid range between 60 and 480');
  });

  it('treats a request Graph calls malformed as a bug, not as a retry or a dead letter', () => {
    const bug = translateGraphError(graphError(400, 'BadRequest'), { operation: 'getUser' });
    expect(isRetryable(bug) || isPermanent(bug)).toBe(false);
    const unexpected404 = translateGraphError(graphError(404, 'Request_ResourceNotFound'), { operation: 'transitiveRoleAssignments' });
    expect(isRetryable(unexpected404) || isPermanent(unexpected404)).toBe(false);
  });

  it('makes a missing response (network, timeout) and token failures retryable', () => {
    const network = new GraphError(-1, 'fetch failed');
    network.code = 'TypeError';
    expect(isRetryable(translateGraphError(network, { operation: 'op' }))).toBe(true);
    const timeout = new GraphError(-1, 'The operation was aborted due to timeout');
    timeout.code = 'TimeoutError';
    expect(isRetryable(translateGraphError(timeout, { operation: 'op' }))).toBe(true);
    const token = Object.assign(new Error('no endpoint'), { name: 'CredentialUnavailableError' });
    expect(isRetryable(translateGraphError(token, { operation: 'op' }))).toBe(true);
  });

  it('leaves an already translated error alone and never copies a response body', () => {
    const permanent = new PermanentError('NoDeliverableContact', 'none');
    expect(translateGraphError(permanent, { operation: 'op' })).toBe(permanent);
    const withBody = graphError(500, 'InternalServerError', {}, 'temporaryAccessPass: Xy7#kP9q');
    withBody.body = '{"temporaryAccessPass":"Xy7#kP9q"}';
    expect(translateGraphError(withBody, { operation: 'createTap', policyGuarded: true }).message).not.toContain('Xy7#kP9q');
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds (fractions too) and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.25')).toBe(250);
    const now = new Date('2026-11-25T10:00:00Z');
    expect(parseRetryAfter('Wed, 25 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
