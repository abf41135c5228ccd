// RFC 9457 problem documents. The `detail` is written by us, never copied from the request, so a
// body or a token can never be echoed back (or into a log through a proxy that logs responses).
import type { HttpResponseInit } from '@azure/functions';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem types; documented in the service README. */
export const problemTypes = {
  invalidRequest: 'urn:tapline:problem:invalid-request',
  unsupportedMediaType: 'urn:tapline:problem:unsupported-media-type',
  payloadTooLarge: 'urn:tapline:problem:payload-too-large',
  unauthorized: 'urn:tapline:problem:unauthorized',
  forbidden: 'urn:tapline:problem:forbidden',
  unavailable: 'urn:tapline:problem:unavailable',
  internal: 'urn:tapline:problem:internal-error',
} as const;

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Extension member: the field of the request body that failed validation. */
  readonly invalidField?: string;
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): HttpResponseInit {
  return {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(problem),
  };
}

export function invalidRequest(field: string, detail: string): HttpResponseInit {
  return problemResponse({ type: problemTypes.invalidRequest, title: 'The request body is not a valid custom extension call', status: 400, detail, invalidField: field });
}

export function unsupportedMediaType(): HttpResponseInit {
  return problemResponse({ type: problemTypes.unsupportedMediaType, title: 'Unsupported media type', status: 415, detail: 'The body must be JSON (Content-Type: application/json).' }, { accept: 'application/json' });
}

export function payloadTooLarge(limitBytes: number): HttpResponseInit {
  return problemResponse({ type: problemTypes.payloadTooLarge, title: 'Payload too large', status: 413, detail: `The body must not exceed ${limitBytes} bytes.` });
}

export function serviceUnavailable(retryAfterSeconds: number, detail: string): HttpResponseInit {
  return problemResponse({ type: problemTypes.unavailable, title: 'Service unavailable', status: 503, detail }, { 'retry-after': String(retryAfterSeconds) });
}

export function internalError(): HttpResponseInit {
  return problemResponse({ type: problemTypes.internal, title: 'Internal error', status: 500, detail: 'The request could not be processed; it was not enqueued.' });
}
