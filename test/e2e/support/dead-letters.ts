// Dead-lettered messages, read as an operator would against Azure: the SDK's dead-letter
// sub-queue receiver in peek mode (nothing is locked or removed).
import { ServiceBusClient } from '@azure/service-bus';

export interface DeadLetter {
  readonly queue: string;
  readonly messageId: string;
  readonly reason: string | undefined;
  readonly description: string | undefined;
  readonly body: unknown;
  readonly applicationProperties: Record<string, unknown>;
}

export async function peekDeadLetters(connectionString: string, queues: readonly string[], maxPerQueue = 500): Promise<DeadLetter[]> {
  const client = new ServiceBusClient(connectionString);
  const found: DeadLetter[] = [];
  try {
    for (const queue of queues) {
      const receiver = client.createReceiver(queue, { subQueueType: 'deadLetter' });
      try {
        // peekMessages continues from its cursor; stop at an empty page or the bound.
        for (let page = 0; page < Math.ceil(maxPerQueue / 50); page++) {
          const batch = await receiver.peekMessages(50);
          if (batch.length === 0) break;
          for (const m of batch) {
            found.push({
              queue,
              messageId: String(m.messageId ?? ''),
              reason: m.deadLetterReason,
              description: m.deadLetterErrorDescription,
              body: m.body as unknown,
              applicationProperties: { ...(m.applicationProperties ?? {}) },
            });
          }
        }
      } finally {
        await receiver.close();
      }
    }
  } finally {
    await client.close();
  }
  return found;
}
