// How the handler reads a failed send: retryable (503 + Retry-After) or not (500). The summary is
// the error's class and message as the adapter wrote them, which never include the payload.
import { isRetryable } from '@tapline/domain';

export interface EnqueueFailure {
  readonly retryable: boolean;
  readonly summary: string;
}

export function classifyEnqueueError(error: unknown): EnqueueFailure {
  const summary = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : 'non-error thrown';
  return { retryable: isRetryable(error), summary };
}
