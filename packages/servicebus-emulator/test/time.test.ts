import { describe, expect, it } from 'vitest';
import { waitFor } from '@tapline/test-harness';
import { bodyOf, countsOf, sleep, useTestEmulator } from './helpers.js';

const sb = useTestEmulator();

describe('time-driven behaviour through the real SDK', () => {
  it('schedules, cancels, and enqueues a scheduled message only at its time', async () => {
    const sender = sb.client.createSender('scheduled');
    const at = new Date(Date.now() + 2_500);
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'keep' }, { body: 'cancel' }], at);
    await sender.sendMessages({ body: 'plain send, scheduled', scheduledEnqueueTimeUtc: at });
    expect(await countsOf(sb.emulator, 'scheduled')).toMatchObject({ active: 0, scheduled: 3 });
    const receiver = sb.client.createReceiver('scheduled');
    const peeked = await receiver.peekMessages(3);
    expect(peeked.map((m) => m.state)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(peeked[0]!.scheduledEnqueueTimeUtc!.getTime()).toBe(at.getTime());
    await sender.cancelScheduledMessages(cancel!);
    expect((await countsOf(sb.emulator, 'scheduled')).scheduled).toBe(2);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);

    const received = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 });
    expect(received.map(bodyOf).sort()).toEqual(['keep', 'plain send, scheduled']);
    expect(received[0]!.sequenceNumber!.toNumber()).toBe(keep!.toNumber());
    for (const m of received) {
      expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
      expect(m.enqueuedTimeUtc!.getTime()).toBe(at.getTime());
      // Azure keeps reporting a message sent scheduled as scheduled once it is enqueued.
      expect(m.state).toBe('scheduled');
    }
    await Promise.all(received.map((m) => receiver.completeMessage(m)));
    await sender.sendMessages({ body: 'plain' });
    const [plain] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(plain!.state).toBe('active');
    await receiver.completeMessage(plain!);
  });

  it('drops a duplicate message id inside the detection window, single and batched, and accepts it after', async () => {
    const sender = sb.client.createSender('dedup');
    await sender.sendMessages({ body: 'one', messageId: 'dup-1' });
    await sender.sendMessages({ body: 'one again', messageId: 'dup-1' });
    await sender.sendMessages([{ body: 'two', messageId: 'dup-2' }, { body: 'two again', messageId: 'dup-2' }]);
    expect((await countsOf(sb.emulator, 'dedup')).active).toBe(2);
    // Without duplicate detection the same ids are two messages each.
    const plain = sb.client.createSender('no-dedup');
    await plain.sendMessages({ body: 'one', messageId: 'dup-1' });
    await plain.sendMessages({ body: 'one again', messageId: 'dup-1' });
    expect((await countsOf(sb.emulator, 'no-dedup')).active).toBe(2);

    const receiver = sb.client.createReceiver('dedup', { receiveMode: 'receiveAndDelete' });
    expect((await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 })).map(bodyOf)).toEqual(['one', 'two']);
    await sleep(2_200); // the window is 2 s
    await sender.sendMessages({ body: 'one, later', messageId: 'dup-1' });
    expect((await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 })).map(bodyOf)).toEqual(['one, later']);
  });

  it('dead-letters expired messages as TTLExpiredException when the queue says so, with the queue TTL capping the message TTL', async () => {
    await sb.client.createSender('ttl-deadletter').sendMessages({ body: 'stale', timeToLive: 60_000 });
    const receiver = sb.client.createReceiver('ttl-deadletter');
    const [peeked] = await receiver.peekMessages(1);
    // The queue's defaultMessageTimeToLive (2 s) caps the message's own 60 s.
    expect(peeked!.expiresAtUtc!.getTime() - peeked!.enqueuedTimeUtc!.getTime()).toBe(2_000);
    await waitFor(async () => ((await countsOf(sb.emulator, 'ttl-deadletter')).deadLettered === 1 ? true : undefined), { description: 'expiry' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [dead] = await sb.client.createReceiver('ttl-deadletter', { subQueueType: 'deadLetter' }).receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(bodyOf(dead!)).toBe('stale');
    expect(dead!.deadLetterReason).toBe('TTLExpiredException');
  });

  it('drops expired messages when the queue does not dead-letter on expiry, and never delivers them', async () => {
    const sender = sb.client.createSender('ttl-drop');
    await sender.sendMessages({ body: 'short', timeToLive: 200 });
    await sleep(300);
    // Expired before any sweep ran: the receive itself must skip it.
    const receiver = sb.client.createReceiver('ttl-drop');
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    await sender.sendMessages({ body: 'queue default' });
    await waitFor(async () => ((await countsOf(sb.emulator, 'ttl-drop')).active === 0 ? true : undefined), { description: 'expiry' });
    expect(await countsOf(sb.emulator, 'ttl-drop')).toMatchObject({ active: 0, deadLettered: 0 });
  });
});
