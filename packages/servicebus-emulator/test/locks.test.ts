import { describe, expect, it } from 'vitest';
import { bodyOf, countsOf, errorCode, sleep, useTestEmulator } from './helpers.js';

const sb = useTestEmulator();

describe('peek-locks through the real SDK', () => {
  it('redelivers with the delivery count raised when a lock expires; the stale lock then fails with MessageLockLost', async () => {
    await sb.client.createSender('short-lock').sendMessages({ body: 'slow' });
    const receiver = sb.client.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(first!.deliveryCount).toBe(0);
    // The 1 s lock runs out while this receive waits; the message comes back.
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(bodyOf(second!)).toBe('slow');
    expect(second!.deliveryCount).toBe(1);
    expect(second!.lockToken).not.toBe(first!.lockToken);
    expect(await errorCode(receiver.completeMessage(first!))).toBe('MessageLockLost');
    await receiver.completeMessage(second!);
    expect((await countsOf(sb.emulator, 'short-lock')).active).toBe(0);
  });

  it('renewMessageLock extends the lock so the message can be completed after its first lock ran out', async () => {
    await sb.client.createSender('renew').sendMessages({ body: 'long job' });
    const receiver = sb.client.createReceiver('renew', { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    const firstLock = message!.lockedUntilUtc!.getTime();
    await sleep(600);
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBeGreaterThan(firstLock + 400);
    // Wait until the original 2 s lock has run out.
    await sleep(Math.max(0, firstLock - Date.now()) + 200);
    // Past the original lock: still ours, never redelivered.
    expect(await countsOf(sb.emulator, 'renew')).toMatchObject({ active: 1, locked: 1 });
    await receiver.completeMessage(message!);
    expect((await countsOf(sb.emulator, 'renew')).active).toBe(0);
  });

  it("the SDK's automatic lock renewal keeps a 2 s lock alive for 3.5 s", async () => {
    await sb.client.createSender('auto-renew').sendMessages({ body: 'held' });
    const receiver = sb.client.createReceiver('auto-renew');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await sleep(3_500);
    expect(await countsOf(sb.emulator, 'auto-renew')).toMatchObject({ active: 1, locked: 1 });
    expect(message!.lockedUntilUtc!.getTime()).toBeGreaterThan(Date.now());
    await receiver.completeMessage(message!);
    expect((await countsOf(sb.emulator, 'auto-renew')).active).toBe(0);
  });
});
