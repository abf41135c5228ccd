import { isServiceBusError, type ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpawnedEmulator } from '../src/index.js';
import { bodyOf, clientFor, countsOf, sleep, startTestEmulator } from './helpers.js';

let emulator: SpawnedEmulator;
let client: ServiceBusClient;

beforeAll(async () => {
  emulator = await startTestEmulator();
  client = clientFor(emulator);
});

afterAll(async () => {
  await client?.close();
  await emulator?.stop();
});

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isServiceBusError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a ServiceBusError');
}

describe('peek-locks through the real SDK', () => {
  it('redelivers with the delivery count raised when a lock expires; the stale lock then fails with MessageLockLost', async () => {
    await client.createSender('short-lock').sendMessages({ body: 'slow' });
    const receiver = client.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(first!.deliveryCount).toBe(0);
    // The 1 s lock runs out while this receive waits; the message comes back.
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(bodyOf(second!)).toBe('slow');
    expect(second!.deliveryCount).toBe(1);
    expect(second!.lockToken).not.toBe(first!.lockToken);
    expect(await errorCode(receiver.completeMessage(first!))).toBe('MessageLockLost');
    await receiver.completeMessage(second!);
    expect((await countsOf(emulator, 'short-lock')).active).toBe(0);
  });

  it('renewMessageLock extends the lock so the message can be completed after its first lock ran out', async () => {
    await client.createSender('renew').sendMessages({ body: 'long job' });
    const receiver = client.createReceiver('renew', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    const firstLock = message!.lockedUntilUtc!.getTime();
    await sleep(600);
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBeGreaterThan(firstLock + 400);
    // Wait until the original 2 s lock has run out.
    await sleep(Math.max(0, firstLock - Date.now()) + 200);
    // Past the original lock: still ours, never redelivered.
    expect(await countsOf(emulator, 'renew')).toMatchObject({ active: 1, locked: 1 });
    await receiver.completeMessage(message!);
    expect((await countsOf(emulator, 'renew')).active).toBe(0);
  });

  it("the SDK's automatic lock renewal keeps a 2 s lock alive for 3.5 s", async () => {
    await client.createSender('auto-renew').sendMessages({ body: 'held' });
    const receiver = client.createReceiver('auto-renew');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await sleep(3_500);
    expect(await countsOf(emulator, 'auto-renew')).toMatchObject({ active: 1, locked: 1 });
    expect(message!.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    await receiver.completeMessage(message!);
    expect((await countsOf(emulator, 'auto-renew')).active).toBe(0);
  });
});
