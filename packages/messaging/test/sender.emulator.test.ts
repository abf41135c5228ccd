import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueueSender, createServiceBus, ServiceBusConfigurationError } from '@tapline/messaging';
import type { ServiceBus } from '@tapline/messaging';
import { startEmulator } from './emulator.js';
import type { Emulator } from './emulator.js';
import { senderConformance } from './sender-conformance.js';
import type { Observed } from './sender-conformance.js';

let emulator: Emulator;
let bus: ServiceBus;
let next = 0;

beforeAll(async () => {
  emulator = await startEmulator();
  bus = createServiceBus({ connectionString: emulator.connectionString }, { maxRetries: 0, timeoutMs: 5_000 });
});

afterAll(async () => {
  await bus?.close();
  await emulator?.stop();
});

senderConformance('Service Bus (emulator)', () => {
  const queue = `s-${++next}`; // a fresh queue per test
  return Promise.resolve({
    sender: createQueueSender(bus, queue),
    async observe(): Promise<Observed[]> {
      const receiver = bus.client.createReceiver(queue);
      const peeked = await receiver.peekMessages(100); // a fresh receiver peeks from the start
      await receiver.close();
      return peeked.map((m) => ({
        messageId: String(m.messageId),
        body: m.body as unknown,
        ...(m.correlationId !== undefined && { correlationId: String(m.correlationId) }),
        ...(m.contentType !== undefined && { contentType: m.contentType }),
        applicationProperties: { ...m.applicationProperties },
        ...(m.scheduledEnqueueTimeUtc !== undefined && { scheduledEnqueueTime: m.scheduledEnqueueTimeUtc }),
        ...(m.timeToLive !== undefined && { timeToLiveMs: m.timeToLive }),
      }));
    },
  });
});

describe('Service Bus sender errors', () => {
  it('a queue that does not exist is a configuration error, not a retryable one', async () => {
    const sender = createQueueSender(bus, 'no-such-queue');
    await expect(sender.send({ messageId: 'x', body: 'x' })).rejects.toBeInstanceOf(ServiceBusConfigurationError);
    await sender.close();
  });

  it('an unreachable broker is a RetryableError', async () => {
    const dead = createServiceBus({ connectionString: emulator.connectionString.replace(/:\d+;/, ':1;') }, { maxRetries: 0, timeoutMs: 2_000 });
    const sender = createQueueSender(dead, 's-5');
    await expect(sender.send({ messageId: 'x', body: 'x' })).rejects.toMatchObject({ name: 'RetryableError' });
    await sender.close();
    await dead.close();
  });
});
