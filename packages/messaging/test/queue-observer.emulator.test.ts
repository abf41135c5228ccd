// The broker-observed gauges against the emulator through the real SDK: depth, dead-letter depth
// and the oldest message's age, by peek (nothing locked or moved).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceBus, observeQueues } from '../src/index.js';
import type { ServiceBus } from '../src/index.js';
import { queueCounts, startEmulator, type Emulator } from './emulator.js';

let emulator: Emulator;
let bus: ServiceBus;
const QUEUE = 'o-observed';

beforeAll(async () => {
  emulator = await startEmulator();
  bus = createServiceBus({ connectionString: emulator.connectionString });
}, 60_000);

afterAll(async () => {
  await bus.close();
  await emulator.stop();
});

describe('observeQueues', () => {
  it('reports active and dead-lettered counts and the oldest active message\'s age, leaving the queue as it was', async () => {
    const sender = bus.client.createSender(QUEUE);
    await sender.sendMessages([1, 2, 3].map((n) => ({ body: `m${n}`, messageId: `observer-${n}` })));
    await sender.close();
    const receiver = bus.client.createReceiver(QUEUE);
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.deadLetterMessage(first!, { deadLetterReason: 'InvalidMessage', deadLetterErrorDescription: 'test' });
    await receiver.close();

    const now = Date.now() + 10_000;
    const observer = observeQueues(bus, [QUEUE], 60_000, () => now);
    await observer.poll();
    observer.stop();
    const snapshot = observer.snapshot(QUEUE);
    expect(snapshot).toMatchObject({ depth: 2, deadLetterDepth: 1 });
    expect(snapshot!.oldestAgeSeconds).toBeGreaterThanOrEqual(10);
    expect(snapshot!.oldestAgeSeconds).toBeLessThan(60);
    expect(await queueCounts(emulator, QUEUE)).toMatchObject({ active: 2, deadLettered: 1, locked: 0 });
  }, 60_000);
});
