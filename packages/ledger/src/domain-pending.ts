// Stand-in for @tapline/domain names whose module exists but is not exported from the domain's
// index yet (packages/domain/src/request-status.ts, errors.ts). Same names and signatures, so the
// switch is an import change; removed as soon as the domain index exports them.

export const REQUEST_STATUSES = [
  'received', 'denied', 'issuing', 'issued', 'delivered', 'superseded', 'failed', 'dead-lettered',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

const ALLOWED = new Set([
  'received>received', 'received>denied', 'received>issuing', 'received>failed', 'received>dead-lettered',
  'issuing>issuing', 'issuing>issued', 'issuing>denied', 'issuing>failed', 'issuing>dead-lettered',
  'issued>delivered', 'issued>superseded', 'issued>issuing', 'issued>failed', 'issued>dead-lettered',
  'failed>received', 'failed>issuing', 'failed>issued',
  'dead-lettered>received', 'dead-lettered>issuing', 'dead-lettered>issued',
]);

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return ALLOWED.has(`${from}>${to}`);
}

export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  constructor(readonly from: RequestStatus, readonly to: RequestStatus) {
    super(`request status cannot move from ${from} to ${to}`);
  }
}

export function assertTransition(from: RequestStatus, to: RequestStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}
