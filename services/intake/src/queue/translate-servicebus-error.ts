// The one place where Service Bus SDK and socket errors become the domain taxonomy. Unavailable
// broker (refused, reset, timed out, busy) -> RetryableError; everything else (unknown queue,
// bad credentials, a bug) is returned as a plain Error the handler answers with 500.
import { RetryableError } from '@tapline/domain';

/** Service Bus error codes that mean "try again later" (ServiceBusError.code). */
const RETRYABLE_SERVICE_BUS_CODES = new Set(['ServiceBusy', 'ServiceTimeout', 'ServiceCommunicationProblem', 'QuotaExceeded', 'GeneralError']);

/** Socket-level failures: the broker (or the path to it) is down. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly retryable?: unknown;
  /** AggregateError: the SDK's retry loop reports every attempt's error (a timeout, then the abort). */
  readonly errors?: unknown;
}

export function translateServiceBusError(error: unknown, budgetMs: number): Error {
  const { retryable, label } = classify(error, 0);
  if (retryable) return new RetryableError(`Service Bus unavailable or too slow (budget ${budgetMs} ms): ${label}`, { cause: error });
  return new Error(`Service Bus rejected the message: ${label}`, { cause: error });
}

function classify(error: unknown, depth: number): { retryable: boolean; label: string } {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as ErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const code = typeof shape.code === 'string' ? shape.code : undefined;
  const label = code === undefined ? name : `${name}/${code}`;

  if (Array.isArray(shape.errors) && depth < 3) {
    const inner = shape.errors.slice(0, 5).map((e) => classify(e, depth + 1));
    return { retryable: inner.some((i) => i.retryable), label: `${name}[${inner.map((i) => i.label).join(', ')}]` };
  }
  const retryable =
    name === 'AbortError' ||
    name === 'TimeoutError' ||
    name === 'OperationTimeoutError' ||
    (code !== undefined && (RETRYABLE_SERVICE_BUS_CODES.has(code) || NETWORK_CODES.has(code))) ||
    shape.retryable === true;
  return { retryable, label };
}
