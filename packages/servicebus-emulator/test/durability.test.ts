import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ServiceBusReceiver } from '@azure/service-bus';
import { afterAll, describe, expect, it } from 'vitest';
import type { SpawnedEmulator } from '../src/index.js';
import { bodyOf, clientFor, countsOf, startTestEmulator } from './helpers.js';

const dirs: string[] = [];
const running: SpawnedEmulator[] = [];

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sb-emulator-'));
  dirs.push(dir);
  return dir;
}

async function start(dir: string): Promise<SpawnedEmulator> {
  const emulator = await startTestEmulator({ dataDir: dir });
  running.push(emulator);
  return emulator;
}

afterAll(async () => {
  for (const emulator of running) await emulator.kill();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Receives and deletes until the queue gives nothing for a while; bounded. */
async function drain(receiver: ServiceBusReceiver): Promise<unknown[]> {
  const bodies: unknown[] = [];
  for (let round = 0; round < 50; round++) {
    const batch = await receiver.receiveMessages(100, { maxWaitTimeInMs: 500 });
    if (batch.length === 0) break;
    bodies.push(...batch.map(bodyOf));
  }
  return bodies;
}

describe('durability with --data-dir', () => {
  it('after kill -9 and a restart, exactly the 500 messages that were not completed come back, once each', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const client = clientFor(first);
    const sender = client.createSender('durable');
    for (let batch = 0; batch < 10; batch++) {
      await sender.sendMessages(Array.from({ length: 100 }, (_, i) => ({ body: batch * 100 + i })));
    }
    const receiver = client.createReceiver('durable', { maxAutoLockRenewalDurationInMs: 0 });
    const completed: unknown[] = [];
    for (let round = 0; round < 20 && completed.length < 500; round++) {
      const messages = await receiver.receiveMessages(Math.min(100, 500 - completed.length), { maxWaitTimeInMs: 2_000 });
      await Promise.all(messages.map((m) => receiver.completeMessage(m)));
      completed.push(...messages.map(bodyOf));
    }
    expect(completed).toHaveLength(500);
    await first.kill();
    await client.close().catch(() => undefined);

    const second = await start(dir);
    expect(await countsOf(second, 'durable')).toMatchObject({ active: 500 });
    const after = clientFor(second);
    const bodies = await drain(after.createReceiver('durable', { receiveMode: 'receiveAndDelete' }));
    await after.close();
    const expected = Array.from({ length: 1000 }, (_, i) => i).filter((i) => !completed.includes(i));
    expect(bodies).toHaveLength(500);
    expect([...bodies].sort((a, b) => (a as number) - (b as number))).toEqual(expected);
    // Sequence order survives too.
    expect(bodies).toEqual(expected);
  });

  it('keeps dead-lettered, deferred and scheduled messages, delivery counts and duplicate history across kill -9', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const client = clientFor(first);
    const sender = client.createSender('durable-states');
    const later = new Date(Date.now() + 60 * 60_000);
    await sender.sendMessages([
      { body: 'dead', messageId: 'm-dead' },
      { body: 'deferred', messageId: 'm-deferred' },
      { body: 'abandoned', messageId: 'm-abandoned' },
    ]);
    const [scheduledSeq] = await sender.scheduleMessages({ body: 'scheduled', messageId: 'm-scheduled' }, later);
    const receiver = client.createReceiver('durable-states', { maxAutoLockRenewalDurationInMs: 0 });
    const [dead, deferred, abandoned] = await receiver.receiveMessages(3, { maxWaitTimeInMs: 5_000 });
    await receiver.deadLetterMessage(dead!, { deadLetterReason: 'Broken', deadLetterErrorDescription: 'for the test' });
    await receiver.deferMessage(deferred!);
    await receiver.abandonMessage(abandoned!);
    await first.kill();
    await client.close().catch(() => undefined);

    const second = await start(dir);
    expect(await countsOf(second, 'durable-states')).toMatchObject({ active: 1, deferred: 1, scheduled: 1, deadLettered: 1 });
    const after = clientFor(second);
    // Duplicate detection remembers ids accepted before the crash.
    await after.createSender('durable-states').sendMessages({ body: 'dead again', messageId: 'm-dead' });
    expect((await countsOf(second, 'durable-states')).active).toBe(1);
    const again = after.createReceiver('durable-states');
    const [back] = await again.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(bodyOf(back!)).toBe('abandoned');
    expect(back!.deliveryCount).toBe(1);
    const [stillDeferred] = await again.receiveDeferredMessages(deferred!.sequenceNumber!);
    expect(bodyOf(stillDeferred!)).toBe('deferred');
    const [stillDead] = await after.createReceiver('durable-states', { subQueueType: 'deadLetter' }).receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(stillDead!.deadLetterReason).toBe('Broken');
    const [peekScheduled] = await again.peekMessages(1, { fromSequenceNumber: scheduledSeq! });
    expect(peekScheduled!.state).toBe('scheduled');
    // Sequence numbers continue after the restart instead of starting over.
    await after.createSender('durable-states').sendMessages({ body: 'new', messageId: 'm-new' });
    const peekAll = await again.peekMessages(10, { fromSequenceNumber: scheduledSeq!.add(1) });
    expect(peekAll.map(bodyOf)).toEqual(['new']);
    await after.close();
  });
});
