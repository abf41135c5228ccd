import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@tapline/test-harness';
import { bodyOf, countsOf, errorCode, useTestEmulator } from './helpers.js';

const sb = useTestEmulator();

describe('settlement through the real SDK', () => {
  it('complete removes the message for good', async () => {
    await sb.client.createSender('complete').sendMessages({ body: 'done' });
    const receiver = sb.client.createReceiver('complete');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.completeMessage(message!);
    expect(await countsOf(sb.emulator, 'complete')).toMatchObject({ active: 0, locked: 0 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
  });

  it('abandon with properties redelivers at its sequence position with the delivery count raised', async () => {
    const sender = sb.client.createSender('abandon');
    await sender.sendMessages([{ body: 'first', applicationProperties: { kept: 'yes' } }, { body: 'second' }]);
    const receiver = sb.client.createReceiver('abandon');
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(first!.body).toBe('first');
    await sender.sendMessages({ body: 'third' });
    await receiver.abandonMessage(first!, { attempt: 2, reason: 'transient' });
    const again = await receiver.receiveMessages(3, { maxWaitTimeInMs: 5_000 });
    // Back ahead of newer messages, not appended after them (pitfall 13).
    expect(again.map(bodyOf)).toEqual(['first', 'second', 'third']);
    expect(again[0]!.deliveryCount).toBe(1);
    expect(again[0]!.applicationProperties).toEqual({ kept: 'yes', attempt: 2, reason: 'transient' });
    expect(again[1]!.deliveryCount).toBe(0);
    await Promise.all(again.map((m) => receiver.completeMessage(m)));
  });

  it('defer hides the message until it is received by sequence number; settling it then goes through $management', async () => {
    await sb.client.createSender('defer').sendMessages({ body: 'later' });
    const receiver = sb.client.createReceiver('defer');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    const seq = message!.sequenceNumber!;
    await receiver.deferMessage(message!, { deferredBy: 'test' });
    expect(await countsOf(sb.emulator, 'defer')).toMatchObject({ active: 0, deferred: 1 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: seq });
    expect(peeked!.state).toBe('deferred');

    const [deferred] = await receiver.receiveDeferredMessages(seq);
    expect(deferred!.body).toBe('later');
    expect(deferred!.applicationProperties).toEqual({ deferredBy: 'test' });
    expect(deferred!.deliveryCount).toBe(1);
    // Abandoning a deferred message leaves it deferred.
    await receiver.abandonMessage(deferred!);
    expect(await countsOf(sb.emulator, 'defer')).toMatchObject({ active: 0, deferred: 1 });
    const [again] = await receiver.receiveDeferredMessages(seq);
    await receiver.completeMessage(again!);
    expect(await countsOf(sb.emulator, 'defer')).toMatchObject({ active: 0, deferred: 0 });
    expect(await errorCode(receiver.receiveDeferredMessages(seq))).toBe('MessageNotFound');
  });

  it('dead-letters with reason, description and extra properties into the dead-letter sub-queue', async () => {
    await sb.client.createSender('deadletter').sendMessages({ body: 'poison', applicationProperties: { origin: 'test' } });
    const receiver = sb.client.createReceiver('deadletter');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'InvalidMessage',
      deadLetterErrorDescription: 'body is not a request',
      extra: 42,
    });
    expect(await countsOf(sb.emulator, 'deadletter')).toMatchObject({ active: 0, deadLettered: 1 });
    const dlq = sb.client.createReceiver('deadletter', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead!.body).toBe('poison');
    expect(dead!.deadLetterReason).toBe('InvalidMessage');
    expect(dead!.deadLetterErrorDescription).toBe('body is not a request');
    expect(dead!.applicationProperties).toMatchObject({ origin: 'test', extra: 42 });
    expect(dead!.sequenceNumber!.toNumber()).toBe(message!.sequenceNumber!.toNumber());
    // As Azure counts it: the delivery that ended in the dead-letter is not a redelivery.
    expect(dead!.deliveryCount).toBe(0);
    await dlq.completeMessage(dead!);
    expect((await countsOf(sb.emulator, 'deadletter')).deadLettered).toBe(0);
  });

  it('moves a message to the dead-letter queue as MaxDeliveryCountExceeded after maxDeliveryCount deliveries', async () => {
    await sb.client.createSender('max-delivery').sendMessages({ body: 'bug' });
    const receiver = sb.client.createReceiver('max-delivery');
    const seen: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
      seen.push(message!.deliveryCount!);
      await receiver.abandonMessage(message!);
    }
    expect(seen).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [dead] = await sb.client.createReceiver('max-delivery', { subQueueType: 'deadLetter' }).receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead!.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    expect(dead!.deadLetterErrorDescription).toBe('Message could not be consumed after 3 delivery attempts.');
    // Azure reports maxDeliveryCount here (the SDK's live tests assert it).
    expect(dead!.deliveryCount).toBe(3);
  });

  it('counts deliveries of a deferred message that is dead-lettered as Azure does (1 after one deferred receive)', async () => {
    await sb.client.createSender('defer-deadletter').sendMessages({ body: 'deferred then dead' });
    const receiver = sb.client.createReceiver('defer-deadletter');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    await receiver.deferMessage(message!);
    const [deferred] = await receiver.receiveDeferredMessages(message!.sequenceNumber!);
    expect(deferred!.deliveryCount).toBe(1);
    await receiver.deadLetterMessage(deferred!, { deadLetterReason: 'Test', deadLetterErrorDescription: 'deferred, then dead' });
    const dlq = sb.client.createReceiver('defer-deadletter', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead!.deliveryCount).toBe(1);
    // Abandoning in the dead-letter queue counts as a redelivery there too.
    await dlq.abandonMessage(dead!);
    const [again] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(again!.deliveryCount).toBe(2);
    await dlq.completeMessage(again!);
  });

  it('settles through $management update-disposition after the receiving link closed', async () => {
    await sb.client.createSender('closed-link').sendMessages([{ body: 'a' }, { body: 'b' }]);
    const receiver = sb.client.createReceiver('closed-link');
    const [a, b] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 });
    await receiver.close();
    const other = sb.client.createReceiver('closed-link');
    await other.completeMessage(a!);
    await other.deadLetterMessage(b!, { deadLetterReason: 'AfterClose', deadLetterErrorDescription: 'settled after close' });
    expect(await countsOf(sb.emulator, 'closed-link')).toMatchObject({ active: 0, deadLettered: 1, locked: 0 });
    const [dead] = await sb.client.createReceiver('closed-link', { subQueueType: 'deadLetter' }).receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(dead!.deadLetterReason).toBe('AfterClose');
  });

  it('serves subscribe(): concurrent handlers, abandon redelivers, auto-complete removes, no errors', async () => {
    await sb.client.createSender('subscribe').sendMessages(Array.from({ length: 10 }, (_, i) => ({ body: i })));
    const receiver = sb.client.createReceiver('subscribe');
    const handled: { body: number; deliveryCount: number }[] = [];
    const errors: unknown[] = [];
    const subscription = receiver.subscribe(
      {
        processMessage(message: ServiceBusReceivedMessage) {
          handled.push({ body: message.body as number, deliveryCount: message.deliveryCount! });
          // A rejected handler makes the SDK abandon; message 3 fails once.
          if (message.body === 3 && message.deliveryCount === 0) return Promise.reject(new Error('transient'));
          return Promise.resolve();
        },
        processError(args) {
          if (!String(args.error.message).includes('transient')) errors.push(args.error);
          return Promise.resolve();
        },
      },
      { maxConcurrentCalls: 5 },
    );
    await waitFor(async () => ((await countsOf(sb.emulator, 'subscribe')).active === 0 ? true : undefined), { description: 'subscribe to drain the queue' });
    await subscription.close();
    expect(handled).toHaveLength(11);
    expect(handled.filter((h) => h.body === 3).map((h) => h.deliveryCount)).toEqual([0, 1]);
    expect(errors).toEqual([]);
  });

  it('keeps two different concurrent settlements apart (rhea disposition-merge fix, pitfall 10)', async () => {
    await sb.client.createSender('rhea-bug').sendMessages([{ body: 'complete me' }, { body: 'abandon me' }]);
    const receiver = sb.client.createReceiver('rhea-bug');
    const [m1, m2] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 });
    expect([m1!.body, m2!.body]).toEqual(['complete me', 'abandon me']);
    await Promise.all([receiver.completeMessage(m1!), receiver.abandonMessage(m2!)]);
    // Unpatched rhea sends one disposition{first,last} with the first outcome: m2 would be completed and lost.
    const again = await receiver.receiveMessages(1, { maxWaitTimeInMs: 2_000 });
    expect(again.map(bodyOf)).toEqual(['abandon me']);
    expect(again[0]!.deliveryCount).toBe(1);
    await receiver.completeMessage(again[0]!);
  });
});
