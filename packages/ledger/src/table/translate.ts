// The one place Table Storage errors are interpreted. Azurite leaves `RestError.code` undefined,
// so the code comes from `details.errorCode` or the `x-ms-error-code` header (toolchain gotcha 12).

import { RetryableError } from '@tapline/domain';
import { LedgerAccessError } from '../errors.js';

export interface TableFailure {
  readonly status: number | undefined;
  readonly code: string | undefined;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  details?: { errorCode?: string };
  response?: { headers?: { get?(name: string): string | undefined } };
}

export function tableFailure(err: unknown): TableFailure {
  if (typeof err !== 'object' || err === null) return { status: undefined, code: undefined };
  const e = err as RestErrorLike;
  const code = e.details?.errorCode ?? e.response?.headers?.get?.('x-ms-error-code') ?? e.code;
  return { status: e.statusCode, code };
}

/** Optimistic-concurrency loss: the row changed since we read it (412). */
export function isConditionFailed(err: unknown): boolean {
  const f = tableFailure(err);
  return f.status === 412 || f.code === 'UpdateConditionNotSatisfied';
}

/** Insert of a key that exists (409). */
export function isAlreadyExists(err: unknown): boolean {
  const f = tableFailure(err);
  return f.status === 409 && f.code !== 'TableBeingDeleted';
}

export function isNotFound(err: unknown): boolean {
  return tableFailure(err).status === 404;
}

const transientCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

/** Turns what the Tables SDK threw (other than the cases above) into the taxonomy. */
export function translateTableError(err: unknown, what: string): Error {
  // Not from the SDK's transport: a bug, which must stay visible as itself.
  if (!(err instanceof Error) || err.name !== 'RestError') return err instanceof Error ? err : new Error(String(err));
  const f = tableFailure(err);
  const detail = `${what}: ${f.status ?? 'no status'} ${f.code ?? ''}`.trim();
  if (f.status === undefined || f.status === 408 || f.status === 429 || f.status >= 500
    || (f.code !== undefined && transientCodes.has(f.code))) {
    return new RetryableError(`ledger unavailable (${detail})`, { cause: err });
  }
  // 401/403 (missing role assignment) and 400 (an entity we built wrong) are not about the message:
  // no dead-letter reason fits, so they surface as a non-taxonomy error (abandon, log, alert).
  return new LedgerAccessError(`ledger refused the operation (${detail})`, { cause: err });
}
