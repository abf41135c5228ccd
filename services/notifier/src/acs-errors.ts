// The one place ACS SDK failures are classified (STYLE practice 3). Keyed on the HTTP status and
// error code, never on the message text, and never copying the message: ACS error messages can
// quote the recipient's number or address.
import { RetryableError } from '@tapline/domain';

interface HeaderBag {
  get(name: string): string | undefined;
}

interface RestErrorLike {
  name?: unknown;
  statusCode?: unknown;
  code?: unknown;
  response?: { headers?: HeaderBag };
}

/** Retry-After as ACS and core-rest-pipeline write it: ms headers, seconds (maybe fractional), or an HTTP date. */
export function retryAfterMs(headers: HeaderBag | undefined, nowMs: number): number | undefined {
  if (headers === undefined) return undefined;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const raw = headers.get(name);
    const ms = Number(raw);
    if (raw !== undefined && raw.trim() !== '' && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get('retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const NETWORK_CODES = new Set([
  'REQUEST_SEND_ERROR', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_SOCKET',
]);

export type AcsFailure =
  /** Throttled (429), timed out, 5xx or unreachable: try again, honouring retryAfterMs. */
  | { readonly kind: 'retryable'; readonly error: RetryableError }
  /** A 4xx for the request as a whole (bad key, unowned sender, unlinked domain, bad request). */
  | { readonly kind: 'refused'; readonly status: number; readonly code: string }
  /** Not a provider answer at all: a bug, thrown on unchanged. */
  | { readonly kind: 'bug'; readonly error: unknown };

/** `channel` names the provider in messages, e.g. `acs-sms`. */
export function classifyAcsError(err: unknown, channel: string, nowMs: number): AcsFailure {
  if (err instanceof RetryableError) return { kind: 'retryable', error: err };
  if (typeof err !== 'object' || err === null) return { kind: 'bug', error: err };
  const e = err as RestErrorLike;
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code = typeof e.code === 'string' && /^[A-Za-z_][\w.]{0,63}$/.test(e.code) ? e.code : undefined;
  if (status === 429 || status === 408 || (status !== undefined && status >= 500)) {
    const after = retryAfterMs(e.response?.headers, nowMs);
    return {
      kind: 'retryable',
      error: new RetryableError(`${channel} answered ${status}${code ? ` (${code})` : ''}`, after === undefined ? {} : { retryAfterMs: after }),
    };
  }
  if (status !== undefined && status >= 400) return { kind: 'refused', status, code: code ?? `http-${status}` };
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return { kind: 'retryable', error: new RetryableError(`${channel} unreachable (${code})`) };
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError') {
    return { kind: 'retryable', error: new RetryableError(`${channel} call timed out`) };
  }
  return { kind: 'bug', error: err };
}
