// The consumer loop against the Service Bus emulator through the real SDK: each outcome settles
// on the broker as promised.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { PermanentError } from '@tapline/domain';
import { ATTEMPT_PROPERTY, createQueueSender, createServiceBus, silentLogger, startConsumer } from '@tapline/messaging';
import type { Consumer, HandlerContext, InboundMessage, Outcome, ServiceBus } from '@tapline/messaging';
import { waitFor } from '@tapline/test-harness';
import { queueCounts, startEmulator } from './emulator.js';
import type { Emulator } from './emulator.js';

let emulator: Emulator;
let bus: ServiceBus;
const consumers: Consumer[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  bus = createServiceBus({ connectionString: emulator.connectionString }, { maxRetries: 1, timeoutMs: 5_000 });
});

afterAll(async () => {
  for (const c of consumers) await c.stop({ deadlineMs: 1_000 });
  await bus?.close();
  await emulator?.stop();
});

interface Seen { messageId: string; attempt: number; deliveryCount: number; at: number }

function consume(queue: string, handle: (m: InboundMessage, ctx: HandlerContext) => Promise<Outcome>, decode: (m: InboundMessage) => InboundMessage = (m) => m) {
  const seen: Seen[] = [];
  const consumer = startConsumer({
    bus, queue, maxConcurrentCalls: 1, logger: silentLogger, decode,
    handle: (m, ctx) => {
      seen.push({ messageId: m.messageId, attempt: ctx.attempt, deliveryCount: m.deliveryCount, at: Date.now() });
      return handle(m, ctx);
    },
  });
  consumers.push(consumer);
  return { consumer, seen };
}

async function send(queue: string, messageId: string, body: unknown = { hello: 'world' }): Promise<void> {
  const sender = createQueueSender(bus, queue);
  await sender.send({ messageId, body, correlationId: `corr-${messageId}` });
  await sender.close();
}

async function deadLetters(queue: string, count: number): Promise<ServiceBusReceivedMessage[]> {
  const receiver = bus.client.createReceiver(queue, { subQueueType: 'deadLetter', receiveMode: 'receiveAndDelete' });
  const out: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + 20_000;
  while (out.length < count && Date.now() < deadline) {
    out.push(...await receiver.receiveMessages(count - out.length, { maxWaitTimeInMs: 500 }));
  }
  await receiver.close();
  return out;
}

const settledAway = async (queue: string): Promise<true | undefined> => {
  const c = await queueCounts(emulator, queue);
  return c.active === 0 && c.locked === 0 && c.scheduled === 0 ? true : undefined;
};

describe('consumer against the emulator', () => {
  it('complete: the message is gone', async () => {
    const { consumer } = consume('c-complete', () => Promise.resolve({ kind: 'complete' }));
    await send('c-complete', 'm-complete');
    await waitFor(() => (consumer.counters.completed === 1 ? true : undefined), { description: 'completion' });
    await waitFor(() => settledAway('c-complete'), { description: 'empty queue' });
    expect(await queueCounts(emulator, 'c-complete')).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
  });

  it('retryLater: the original is gone and a copy with attempt + 1 arrives after the delay', async () => {
    const delayMs = 1_500;
    const { consumer, seen } = consume('c-retry', (_m, ctx) => Promise.resolve<Outcome>(
      ctx.attempt === 1 ? { kind: 'retryLater', delayMs, attempt: ctx.attempt, lastError: 'Graph 503' } : { kind: 'complete' },
    ));
    await send('c-retry', 'm-retry', { requestId: 'r-1' });
    await waitFor(() => (consumer.counters.retried === 1 ? true : undefined), { description: 'the retry to be scheduled' });
    const counts = await queueCounts(emulator, 'c-retry');
    expect(counts).toMatchObject({ active: 0, scheduled: 1 });
    await waitFor(() => (consumer.counters.completed === 1 ? true : undefined), { description: 'the copy to be handled' });
    expect(seen.map((s) => [s.messageId, s.attempt])).toEqual([['m-retry', 1], ['m-retry:retry:2', 2]]);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(delayMs - 100);
    await waitFor(() => settledAway('c-retry'), { description: 'empty queue' });
  });

  it('deadLetter: the message is in the DLQ with its reason and description', async () => {
    const { consumer } = consume('c-deadletter', () => Promise.resolve({ kind: 'deadLetter', reason: 'TargetNotFound', description: 'user 1234 is gone' }));
    await send('c-deadletter', 'm-dl');
    await waitFor(() => (consumer.counters.deadLettered === 1 ? true : undefined), { description: 'dead-lettering' });
    const [dl] = await deadLetters('c-deadletter', 1);
    expect(dl).toMatchObject({ messageId: 'm-dl', deadLetterReason: 'TargetNotFound', deadLetterErrorDescription: 'user 1234 is gone', body: { hello: 'world' } });
  });

  it('abandon: redelivered with deliveryCount + 1, until the broker dead-letters MaxDeliveryCountExceeded', async () => {
    const { seen } = consume('c-abandon', () => Promise.resolve({ kind: 'abandon', error: new Error('bug') }));
    await send('c-abandon', 'm-abandon');
    await waitFor(() => (seen.length >= 3 ? true : undefined), { description: 'three deliveries' });
    expect(seen.map((s) => s.deliveryCount)).toEqual([0, 1, 2]);
    const [dl] = await deadLetters('c-abandon', 1);
    expect(dl).toMatchObject({ messageId: 'm-abandon', deadLetterReason: 'MaxDeliveryCountExceeded' });
  });

  it('a poison body is dead-lettered InvalidMessage', async () => {
    const decode = (m: InboundMessage): InboundMessage => {
      if (typeof m.body !== 'object' || m.body === null || Buffer.isBuffer(m.body)) throw new Error('body must be a JSON object');
      return m;
    };
    const { consumer, seen } = consume('c-poison', () => Promise.resolve({ kind: 'complete' }), decode);
    await send('c-poison', 'm-poison', Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    await waitFor(() => (consumer.counters.deadLettered === 1 ? true : undefined), { description: () => `dead-lettering (counters ${JSON.stringify(consumer.counters)})` });
    expect(seen).toHaveLength(0);
    const [dl] = await deadLetters('c-poison', 1);
    expect(dl).toMatchObject({ messageId: 'm-poison', deadLetterReason: 'InvalidMessage' });
    expect(dl?.deadLetterErrorDescription).toContain('body must be a JSON object');
  });

  it('a thrown PermanentError dead-letters with its reason', async () => {
    const { consumer } = consume('c-thrown', () => Promise.reject(new PermanentError('GraphForbidden', 'Graph answered 403')));
    await send('c-thrown', 'm-thrown');
    await waitFor(() => (consumer.counters.deadLettered === 1 ? true : undefined), { description: 'dead-lettering' });
    const [dl] = await deadLetters('c-thrown', 1);
    expect(dl).toMatchObject({ deadLetterReason: 'GraphForbidden' });
  });

  it('stop() waits for the in-flight handler, which still settles, then closes', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const { consumer, seen } = consume('c-stop', async () => { await gate; return { kind: 'complete' }; });
    await send('c-stop', 'm-stop');
    await waitFor(() => (seen.length === 1 ? true : undefined), { description: 'the handler to start' });
    let stopped = false;
    const stopping = consumer.stop({ deadlineMs: 10_000 }).then((r) => { stopped = true; return r; });
    await new Promise((r) => setTimeout(r, 300));
    expect(stopped).toBe(false);
    open();
    expect(await stopping).toEqual({ drained: true, unfinished: 0 });
    expect(consumer.counters.completed).toBe(1);
    await waitFor(() => settledAway('c-stop'), { description: 'empty queue' });
    // Nothing is received after stop: a new message stays in the queue.
    await send('c-stop', 'm-after-stop');
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toHaveLength(1);
    expect((await queueCounts(emulator, 'c-stop')).active).toBe(1);
  });

  it('settles mixed outcomes under concurrency without losing any', async () => {
    const outcomes = new Map<string, Outcome>();
    const consumer = startConsumer({
      bus, queue: 'c-concurrent', maxConcurrentCalls: 8, logger: silentLogger, decode: (m) => m,
      handle: async (m) => {
        await new Promise((r) => setTimeout(r, 5));
        return outcomes.get(m.messageId.replace(/:retry:\d+$/, '')) ?? { kind: 'complete' };
      },
    });
    consumers.push(consumer);
    const ids = Array.from({ length: 30 }, (_, i) => `m-${i}`);
    ids.forEach((id, i) => outcomes.set(id, i % 3 === 0 ? { kind: 'deadLetter', reason: 'TapExpired', description: 'expired' } : { kind: 'complete' }));
    const sender = createQueueSender(bus, 'c-concurrent');
    await Promise.all(ids.map((id) => sender.send({ messageId: id, body: { id } })));
    await sender.close();
    await waitFor(() => (consumer.counters.completed + consumer.counters.deadLettered === 30 ? true : undefined), { description: () => `all settled (counters ${JSON.stringify(consumer.counters)})` });
    const dls = await deadLetters('c-concurrent', 10);
    expect(dls.map((m) => String(m.messageId)).sort()).toEqual(ids.filter((_, i) => i % 3 === 0).sort());
    await waitFor(() => settledAway('c-concurrent'), { description: 'empty queue' });
    expect(consumer.counters.abandoned).toBe(0);
  });
});

describe('concurrent settlement', () => {
  // rhea 3.0.5 merges two different dispositions written in the same tick into one frame with the
  // first outcome (servicebus-wire.md, pitfall 10): an abandon could turn into a completion and
  // the message would be lost. The consumer must not let that happen, patched rhea or not.
  it('an abandon settled in the same tick as a completion still comes back', async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => { open = r; });
    const seen: Array<[string, number]> = [];
    const consumer = startConsumer({
      bus, queue: 'c-mixed-tick', maxConcurrentCalls: 2, logger: silentLogger, decode: (m) => m,
      handle: async (m) => {
        seen.push([m.messageId, m.deliveryCount]);
        if (m.deliveryCount > 0) return { kind: 'complete' };
        await gate;
        return m.messageId === 'first' ? { kind: 'complete' } : { kind: 'abandon', error: new Error('bug') };
      },
    });
    consumers.push(consumer);
    const sender = createQueueSender(bus, 'c-mixed-tick');
    await sender.send({ messageId: 'first', body: 1 });
    await sender.send({ messageId: 'second', body: 2 });
    await sender.close();
    await waitFor(() => (seen.length === 2 ? true : undefined), { description: 'both in flight' });
    open();
    await waitFor(() => (seen.some(([id, n]) => id === 'second' && n === 1) ? true : undefined), { description: 'the abandoned message to come back' });
    await waitFor(() => settledAway('c-mixed-tick'), { description: 'empty queue' });
  });
});

describe('retry copy wire format', () => {
  it('carries the attempt as an application property the next consumer reads', async () => {
    const sender = createQueueSender(bus, 's-6');
    await sender.send({ messageId: 'x', body: 'b', applicationProperties: { [ATTEMPT_PROPERTY]: 4 } });
    await sender.close();
    const { seen } = consume('s-6', () => Promise.resolve({ kind: 'complete' }));
    await waitFor(() => (seen.length === 1 ? true : undefined), { description: 'delivery' });
    expect(seen[0]?.attempt).toBe(4);
  });
});
