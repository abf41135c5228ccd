// The one place Service Bus errors are interpreted (keyed on the SDK's error code, not classes).

import { RetryableError } from '@tapline/domain';

// Errors no retry can fix but that say nothing about the message being processed (a missing
// queue, a permission): they are configuration problems, surfaced as themselves (not as a
// dead-letter reason) so the consumer abandons and the logs and alerts show the cause.
const configurationCodes = new Set(['MessagingEntityNotFound', 'MessagingEntityDisabled', 'UnauthorizedAccess']);

export class ServiceBusConfigurationError extends Error {
  override readonly name = 'ServiceBusConfigurationError';
}

export class MessageTooLargeError extends Error {
  override readonly name = 'MessageTooLargeError';
}

interface SdkErrorLike { name?: string; code?: string; retryable?: boolean; message?: string }

/** Maps an error from a send (or another SDK operation) into the domain taxonomy. */
export function translateServiceBusError(err: unknown, what: string): Error {
  if (!(err instanceof Error)) return new Error(`${what}: ${String(err)}`);
  const e = err as SdkErrorLike;
  const code = e.code ?? '';
  if (configurationCodes.has(code)) return new ServiceBusConfigurationError(`${what}: ${code}`, { cause: err });
  if (code === 'MessageSizeExceeded') return new MessageTooLargeError(`${what}: ${code}`, { cause: err });
  const transientName = e.name === 'ServiceBusError' || e.name === 'MessagingError' || e.name === 'AbortError'
    || /^E[A-Z]+$/.test(code);
  if (e.retryable === true || transientName) {
    return new RetryableError(`${what}: Service Bus unavailable (${code || e.name || 'error'})`, { cause: err });
  }
  return err; // not the SDK's: a bug, left as itself
}
