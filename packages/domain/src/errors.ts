import type { DeadLetterReason } from './dead-letter.js';

/**
 * The error taxonomy (DESIGN section 5). Adapters translate transport errors into one of these,
 * once, keyed on status and code; the consumer loop settles on them in one place:
 * - PermanentError: dead-letter at once with its reason (retrying cannot help);
 * - RetryableError: retry with backoff, honouring retryAfterMs, then a delayed retry, then
 *   dead-letter `RetriesExhausted`;
 * - anything else is a bug: abandon (the broker redelivers, then `MaxDeliveryCountExceeded`).
 * Decisions (a denial, a superseded delivery) are not errors at all.
 *
 * Messages must be safe to log and to put in a dead-letter description: write them without
 * secrets or contact details. `cause` is kept for the log (scrubbed there), never copied into
 * the message.
 */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly reason: DeadLetterReason;

  constructor(reason: DeadLetterReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  /** The server's Retry-After, in milliseconds, when it gave one. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options?: { retryAfterMs?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    const after = options?.retryAfterMs;
    this.retryAfterMs = after !== undefined && Number.isFinite(after) && after >= 0 ? after : undefined;
  }
}

/*
 * Checked structurally as well as by class: a second copy of this package in node_modules would
 * make `instanceof` lie, and the consumer loop must never mistake a permanent error for a bug.
 */
export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError || (error instanceof Error && error.name === 'PermanentError' && typeof (error as { reason?: unknown }).reason === 'string');
}

export function isRetryable(error: unknown): error is RetryableError {
  return error instanceof RetryableError || (error instanceof Error && error.name === 'RetryableError');
}
