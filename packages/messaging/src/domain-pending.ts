// Stand-in for @tapline/domain names whose module exists but is not exported from the domain's
// index yet (packages/domain/src/errors.ts, dead-letter.ts). Same names and signatures, so the
// switch is an import change; removed as soon as the domain index exports them.

export const DEAD_LETTER_REASONS = {
  InvalidMessage: {}, UnsupportedSchemaVersion: {}, TargetNotFound: {}, RequestorNotFound: {},
  GraphForbidden: {}, TapPolicyRejected: {}, NoDeliverableContact: {}, TapExpired: {},
  RetriesExhausted: {}, SealingKeyUnavailable: {}, SealedDataInvalid: {}, MaxDeliveryCountExceeded: {},
  TTLExpiredException: {},
} as const;
export type DeadLetterReason = keyof typeof DEAD_LETTER_REASONS;

export function isDeadLetterReason(value: unknown): value is DeadLetterReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DEAD_LETTER_REASONS, value);
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(readonly reason: DeadLetterReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError' && typeof (error as { reason?: unknown }).reason === 'string');
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMs = options?.retryAfterMs;
  }
}
