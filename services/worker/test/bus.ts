// The test's side of the queues: enqueue requests as the intake does, read what the worker
// published (tap-deliveries) and what it dead-lettered (tap-requests DLQ).
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { decodeTapOutcome, encodeTapRequest, requestMessageId } from '@tapline/domain';
import type { TapOutcomeMessage, TapRequestMessage } from '@tapline/domain';

export interface TestBus {
  send(msg: TapRequestMessage): Promise<void>;
  sendRaw(body: string, messageId: string): Promise<void>;
  /** Every outcome currently in tap-deliveries (peeked: nothing is consumed). */
  peekOutcomes(): Promise<TapOutcomeMessage[]>;
  /** Dead-lettered tap-requests: reason and description by message id. */
  deadLetters(): Promise<Array<{ messageId: string; reason: string | undefined; description: string | undefined }>>;
  close(): Promise<void>;
}

export function testBus(connectionString: string): TestBus {
  const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 2, timeoutInMs: 10_000 } });
  const requests = client.createSender('tap-requests');
  const peekAll = async (queue: string, subQueueType?: 'deadLetter'): Promise<ServiceBusReceivedMessage[]> => {
    const receiver = client.createReceiver(queue, subQueueType ? { subQueueType } : {});
    try {
      const all: ServiceBusReceivedMessage[] = [];
      for (let i = 0; i < 100; i++) {
        const batch = await receiver.peekMessages(250);
        if (batch.length === 0) break;
        all.push(...batch);
      }
      return all;
    } finally {
      await receiver.close();
    }
  };
  return {
    async send(msg) {
      await requests.sendMessages({
        body: Buffer.from(encodeTapRequest(msg), 'utf8'),
        contentType: 'application/json',
        messageId: requestMessageId(msg.stageInstanceId, msg.attempt),
        correlationId: msg.requestId,
      });
    },
    async sendRaw(body, messageId) {
      await requests.sendMessages({ body: Buffer.from(body, 'utf8'), contentType: 'application/json', messageId });
    },
    async peekOutcomes() {
      return (await peekAll('tap-deliveries')).map((m) => {
        const decoded = decodeTapOutcome(m.body);
        if (!decoded.ok) throw new Error(`tap-deliveries holds an invalid outcome: ${decoded.error.field} ${decoded.error.message}`);
        return decoded.message;
      });
    },
    async deadLetters() {
      return (await peekAll('tap-requests', 'deadLetter')).map((m) => ({
        messageId: String(m.messageId),
        reason: m.deadLetterReason,
        description: m.deadLetterErrorDescription,
      }));
    },
    async close() {
      await requests.close();
      await client.close();
    },
  };
}
