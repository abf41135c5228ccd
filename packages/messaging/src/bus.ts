// One Service Bus connection per process, shared by its senders and consumers.

import { ServiceBusClient } from '@azure/service-bus';
import type { TokenCredential } from '@azure/service-bus';

export type ServiceBusOptions =
  | { readonly connectionString: string }
  | { readonly fullyQualifiedNamespace: string; readonly credential: TokenCredential };

export interface ServiceBus {
  /** The SDK client, for callers that need more than this package offers (tapctl's DLQ tools). */
  readonly client: ServiceBusClient;
  close(): Promise<void>;
}

export interface ServiceBusTuning {
  /** SDK-level retries of a single operation (default 3); the project's own retry policy sits above. */
  readonly maxRetries?: number;
  /** Per-operation timeout (default 60 s in the SDK). */
  readonly timeoutMs?: number;
}

export function createServiceBus(options: ServiceBusOptions, tuning: ServiceBusTuning = {}): ServiceBus {
  const clientOptions = {
    retryOptions: {
      ...(tuning.maxRetries !== undefined && { maxRetries: tuning.maxRetries }),
      ...(tuning.timeoutMs !== undefined && { timeoutInMs: tuning.timeoutMs }),
    },
  };
  const client = 'connectionString' in options
    ? new ServiceBusClient(options.connectionString, clientOptions)
    : new ServiceBusClient(options.fullyQualifiedNamespace, options.credential, clientOptions);
  return {
    client,
    close: () => client.close(),
  };
}
