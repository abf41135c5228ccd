// The real `tap-requests` sender. One ServiceBusClient and one sender per process, reused across
// invocations (a Function instance serves many); created lazily on first use and re-created when
// the SDK reports it closed. Retries are bounded so that a whole send, retries included, stays
// well under the caller's 1 s timeout: better a fast 503 the relay retries than a late 202.
import { RetryMode, ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusSender } from '@azure/service-bus';
import { REQUEST_CONTENT_TYPE } from './request-queue.js';
import type { OutgoingRequest, RequestQueueSender } from './request-queue.js';
import { translateServiceBusError } from './translate-servicebus-error.js';

export interface ServiceBusSenderOptions {
  readonly connectionString: string;
  readonly queueName: string;
  /** Upper bound for one send, retries included. */
  readonly budgetMs: number;
}

export function createServiceBusRequestSender(options: ServiceBusSenderOptions): RequestQueueSender {
  // Two tries, each with half the budget; the abort signal below caps the total whatever the SDK
  // spends on connecting. Fixed mode: exponential backoff makes no sense within a second.
  const client = new ServiceBusClient(options.connectionString, {
    retryOptions: {
      maxRetries: 1,
      mode: RetryMode.Fixed,
      retryDelayInMs: 20,
      timeoutInMs: Math.max(50, Math.floor(options.budgetMs / 2) - 20),
    },
  });
  let sender: ServiceBusSender | undefined;
  let closed = false;

  const currentSender = (): ServiceBusSender => {
    if (sender === undefined || sender.isClosed) sender = client.createSender(options.queueName);
    return sender;
  };

  return {
    async send(request: OutgoingRequest): Promise<void> {
      if (closed) throw new Error('The request queue sender is closed');
      try {
        await currentSender().sendMessages(
          {
            messageId: request.messageId,
            correlationId: request.correlationId,
            contentType: REQUEST_CONTENT_TYPE,
            // Raw JSON bytes in a data section: any AMQP client reads them, and the JS SDK hands
            // receivers the parsed object (a string body would be JSON-encoded a second time).
            body: Buffer.from(request.body, 'utf8'),
            applicationProperties: { ...request.applicationProperties },
          },
          { abortSignal: AbortSignal.timeout(options.budgetMs) },
        );
      } catch (error) {
        throw translateServiceBusError(error, options.budgetMs);
      }
    },
    async close(): Promise<void> {
      closed = true;
      await sender?.close();
      await client.close();
    },
  };
}
