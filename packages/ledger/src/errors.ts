// Ledger-specific errors. A lost lease and an exhausted conflict budget are transient: they are
// RetryableErrors, so a handler that does not catch them still retries later. An unknown request
// is a bug or a purge.

import { RetryableError } from '@tapline/domain';

export class RequestNotFoundError extends Error {
  override readonly name = 'RequestNotFoundError';
  constructor(readonly requestId: string) {
    super(`request ${requestId} is not in the ledger`);
  }
}

/** The target's lease expired and another owner took it (or released it) since it was granted. */
export class LeaseLostError extends RetryableError {
  readonly kind = 'LeaseLost';
  constructor(readonly targetId: string, readonly owner: string) {
    super(`lease on target ${targetId} held by ${owner} was lost`);
  }
}

/** Too many concurrent writers on one row; the caller should retry later. */
export class LedgerConflictError extends RetryableError {
  readonly kind = 'LedgerConflict';
  constructor(readonly table: string, readonly key: string, readonly attempts: number) {
    super(`gave up writing ${table}/${key} after ${attempts} concurrent-update conflicts`);
  }
}

/** The storage account refused us (permissions, a malformed entity): configuration or a bug. */
export class LedgerAccessError extends Error {
  override readonly name = 'LedgerAccessError';
}
