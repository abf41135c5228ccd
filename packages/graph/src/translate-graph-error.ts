import { PermanentError, RetryableError, isPermanent, isRetryable } from '@tapline/domain';
import type { DeadLetterReason } from '@tapline/domain';

/**
 * The one place Graph failures become the domain's taxonomy (STYLE practice 3), keyed on the
 * HTTP status and Graph's error code, never on `instanceof` of SDK classes.
 *
 * | status / code                          | becomes                                             |
 * |----------------------------------------|-----------------------------------------------------|
 * | 429, 5xx, 408, no response (network, timeout), token acquisition failure | RetryableError (Retry-After kept) |
 * | 401                                    | RetryableError: tokens expire and keys roll; a lasting 401 ends in RetriesExhausted |
 * | 403                                    | PermanentError GraphForbidden                       |
 * | 404 where the caller names a subject   | PermanentError TargetNotFound / RequestorNotFound   |
 * | 400 on TAP creation                    | PermanentError TapPolicyRejected                    |
 * | 409, 412                               | RetryableError (a concurrent write in the directory) |
 * | anything else (400 elsewhere, 404 without a subject, 405) | a plain Error: our request is wrong, a bug |
 *
 * Messages name the operation, the status and Graph's code: never a response body, which could
 * quote a secret. Graph's message is kept only for TAP policy rejections (policy text, safe and
 * what an operator needs).
 */
export interface GraphCallContext {
  /** Short operation name for messages and logs: `getUser`, `createTap`... */
  readonly operation: string;
  /** The dead-letter reason a 404 on the called resource means, when it means one. */
  readonly notFound?: DeadLetterReason;
  /** True for the TAP create: a 400 is the tenant policy refusing it. */
  readonly policyGuarded?: boolean;
}

/** What this module reads from a thrown Graph client error (structural, no SDK import). */
interface GraphErrorShape {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly message?: unknown;
  readonly headers?: unknown;
  readonly name?: unknown;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);
const TIMEOUT_NAMES = new Set(['AbortError', 'TimeoutError']);
const IDENTITY_ERRORS = new Set(['CredentialUnavailableError', 'AuthenticationError', 'AuthenticationRequiredError', 'AggregateAuthenticationError']);

export function translateGraphError(error: unknown, context: GraphCallContext): Error {
  // Already translated (a nested call, the throttle gate's own errors): keep it.
  if (isPermanent(error) || isRetryable(error)) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as GraphErrorShape;
  const name = typeof e.name === 'string' ? e.name : '';
  if (IDENTITY_ERRORS.has(name)) {
    return new RetryableError(`${context.operation}: could not get a Graph token (${name})`, { cause: error });
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : -1;
  const code = typeof e.code === 'string' ? e.code : undefined;
  const what = `${context.operation}: Graph answered ${status}${code ? ` ${code}` : ''}`;
  const retryAfterMs = retryAfterFrom(e.headers);

  if (status <= 0) {
    // No HTTP response: connection refused/reset, DNS, our per-request timeout.
    // The Graph client wraps a rejected fetch into a GraphError whose code is the original name
    // (`TypeError: fetch failed`, `TimeoutError` from our per-request signal).
    if (TIMEOUT_NAMES.has(name) || TIMEOUT_NAMES.has(code ?? '') || NETWORK_CODES.has(code ?? '') || code === 'TypeError' || name === 'TypeError' || causeCode(error) !== undefined) {
      return new RetryableError(`${context.operation}: no response from Graph (${networkLabel(error, name, code)})`, { cause: error });
    }
    return error instanceof Error ? error : new Error(`${context.operation}: unexpected failure`, { cause: error });
  }
  if (status === 429 || status === 408 || status >= 500) {
    return new RetryableError(what, { ...(retryAfterMs !== undefined && { retryAfterMs }), cause: error });
  }
  if (status === 401 || status === 409 || status === 412) {
    return new RetryableError(what, { ...(retryAfterMs !== undefined && { retryAfterMs }), cause: error });
  }
  if (status === 403) return new PermanentError('GraphForbidden', what, { cause: error });
  if (status === 404 && context.notFound !== undefined) return new PermanentError(context.notFound, what, { cause: error });
  if (status === 400 && context.policyGuarded === true) {
    const graphMessage = typeof e.message === 'string' ? `: ${e.message.slice(0, 300)}` : '';
    return new PermanentError('TapPolicyRejected', `${what}${graphMessage}`, { cause: error });
  }
  const bug = new Error(`${what} (unexpected for this request)`, { cause: error });
  bug.name = 'GraphRequestError';
  return bug;
}

/**
 * Retry-After in milliseconds: delta-seconds (Graph sends fractions, e.g. `2.128`) or an HTTP
 * date. Undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date = new Date()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

function retryAfterFrom(headers: unknown): number | undefined {
  if (headers === null || headers === undefined) return undefined;
  if (typeof (headers as Headers).get === 'function') return parseRetryAfter((headers as Headers).get('retry-after'));
  if (typeof headers === 'object') {
    const record = headers as Record<string, unknown>;
    const v = record['retry-after'] ?? record['Retry-After'];
    return typeof v === 'string' ? parseRetryAfter(v) : undefined;
  }
  return undefined;
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' && NETWORK_CODES.has(cause.code) ? cause.code : undefined;
}

function networkLabel(error: unknown, name: string, code: string | undefined): string {
  return causeCode(error) ?? (code && code !== name ? code : name) ?? 'network';
}
