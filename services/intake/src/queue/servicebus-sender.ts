// The real `tap-requests` sender. One ServiceBusClient and one sender per process, reused across
// invocations (a Function instance serves many); created lazily on first use and re-created when
// the SDK reports it closed. Retries are bounded so that a whole send, retries included, stays
// well under the caller's 1 s timeout: better a fast 503 the relay retries than a late 202.
//
// Under concurrency, sends are coalesced: at most MAX_IN_FLIGHT transfers are outstanding, and
// requests that arrive meanwhile leave together as one batch (one AMQP transfer, one disposition;
// duplicate detection still applies per message). A lone request is sent at once, as itself, so
// batching adds no latency when there is nothing to batch.
import { RetryMode, ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusClientOptions, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { REQUEST_CONTENT_TYPE } from './request-queue.js';
import type { OutgoingRequest, RequestQueueSender } from './request-queue.js';
import { isRetryable } from '@tapline/domain';
import { translateServiceBusError } from './translate-servicebus-error.js';

/** A connection string (local emulator), or a namespace and a credential (Azure, managed identity). */
export type ServiceBusConnection =
  | { readonly connectionString: string }
  | { readonly fullyQualifiedNamespace: string; readonly credential: TokenCredential };

export type ServiceBusSenderOptions = ServiceBusConnection & {
  readonly queueName: string;
  /** Upper bound for one request's send, waiting for a batch and SDK retries included. */
  readonly budgetMs: number;
};

const MAX_IN_FLIGHT = 2;
/** How long open() keeps trying to connect; nobody waits on it but startup. */
const OPEN_BUDGET_MS = 5_000;
const OPEN_ATTEMPTS = 5;
const MAX_BATCH_MESSAGES = 50;
/** Well under Standard tier's 256 KB per batch; a TapRequestMessage is under 3 KB (ids only). */
const MAX_BATCH_BYTES = 192 * 1024;

interface Pending {
  readonly message: ServiceBusMessage;
  readonly bytes: number;
  /** performance.now() by which this request must have its answer. */
  readonly deadline: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

export function createServiceBusRequestSender(options: ServiceBusSenderOptions): RequestQueueSender {
  // Two tries, each with half the budget; the abort signal below caps the total whatever the SDK
  // spends on connecting. Fixed mode: exponential backoff makes no sense within a second.
  const clientOptions: ServiceBusClientOptions = {
    retryOptions: {
      maxRetries: 1,
      mode: RetryMode.Fixed,
      retryDelayInMs: 20,
      timeoutInMs: Math.max(50, Math.floor(options.budgetMs / 2) - 20),
    },
  };
  const client = 'connectionString' in options
    ? new ServiceBusClient(options.connectionString, clientOptions)
    : new ServiceBusClient(options.fullyQualifiedNamespace, options.credential, clientOptions);
  let sender: ServiceBusSender | undefined;
  let closed = false;
  const waiting: Pending[] = [];
  let inFlight = 0;

  const currentSender = (): ServiceBusSender => {
    if (sender === undefined || sender.isClosed) sender = client.createSender(options.queueName);
    return sender;
  };

  const pump = (): void => {
    while (inFlight < MAX_IN_FLIGHT && waiting.length > 0) {
      const batch: Pending[] = [];
      let bytes = 0;
      for (const next of waiting) {
        if (batch.length > 0 && (batch.length >= MAX_BATCH_MESSAGES || bytes + next.bytes > MAX_BATCH_BYTES)) break;
        batch.push(next);
        bytes += next.bytes;
      }
      waiting.splice(0, batch.length);
      inFlight++;
      void transfer(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };

  const transfer = async (batch: readonly Pending[]): Promise<void> => {
    const deadline = Math.min(...batch.map((p) => p.deadline));
    const remainingMs = Math.max(1, Math.floor(deadline - performance.now()));
    try {
      const only = batch.length === 1 ? batch[0] : undefined;
      await currentSender().sendMessages(only === undefined ? batch.map((p) => p.message) : only.message, { abortSignal: AbortSignal.timeout(remainingMs) });
      for (const p of batch) p.resolve();
    } catch (error) {
      const translated = translateServiceBusError(error, options.budgetMs);
      for (const p of batch) p.reject(translated);
    }
  };

  return {
    send(request: OutgoingRequest): Promise<void> {
      if (closed) return Promise.reject(new Error('The request queue sender is closed'));
      // Raw JSON bytes in a data section: any AMQP client reads them, and the JS SDK hands
      // receivers the parsed object (a string body would be JSON-encoded a second time).
      const body = Buffer.from(request.body, 'utf8');
      return new Promise<void>((resolve, reject) => {
        waiting.push({
          message: {
            messageId: request.messageId,
            correlationId: request.correlationId,
            contentType: REQUEST_CONTENT_TYPE,
            body,
            applicationProperties: { ...request.applicationProperties },
          },
          bytes: body.byteLength + 512,
          deadline: performance.now() + options.budgetMs,
          resolve,
          reject,
        });
        pump();
      });
    },
    async open(): Promise<void> {
      if (closed) throw new Error('The request queue sender is closed');
      // Opening the link is what createMessageBatch does first (it needs the link's max message
      // size); nothing is sent. Repeated within a bounded time, as each try is capped by retryOptions.
      const deadline = performance.now() + OPEN_BUDGET_MS;
      let lastError: unknown;
      for (let attempt = 0; attempt < OPEN_ATTEMPTS && performance.now() < deadline; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        try {
          await currentSender().createMessageBatch({ abortSignal: AbortSignal.timeout(Math.max(1, Math.floor(deadline - performance.now()))) });
          return;
        } catch (error) {
          lastError = error;
          if (!isRetryable(translateServiceBusError(error, OPEN_BUDGET_MS))) break;
        }
      }
      throw translateServiceBusError(lastError, OPEN_BUDGET_MS);
    },
    async close(): Promise<void> {
      closed = true;
      await sender?.close();
      await client.close();
    },
  };
}
