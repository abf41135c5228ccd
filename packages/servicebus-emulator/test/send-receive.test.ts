import { describe, expect, it } from 'vitest';
import { bodyOf, countsOf, errorCode, useTestEmulator } from './helpers.js';

const sb = useTestEmulator();

describe('sending and receiving through the real SDK', () => {
  it('connects over plain TCP with the emulator connection string from the ready line', () => {
    expect(sb.emulator.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${sb.emulator.port};SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true`,
    );
  });

  it('round-trips a message: body, AMQP-typed application properties and system properties', async () => {
    const sender = sb.client.createSender('roundtrip');
    const when = new Date('2026-01-02T03:04:05.678Z');
    await sender.sendMessages({
      body: { request: 'r-1', n: [1, 2, 3] },
      messageId: 'id-roundtrip',
      contentType: 'application/json',
      correlationId: 'corr-1',
      subject: 'subject-1',
      to: 'to-1',
      replyTo: 'reply-1',
      applicationProperties: { int: 7, negative: -3, double: 1.5, bool: true, text: 'x', big: 2 ** 40, when },
    });
    const receiver = sb.client.createReceiver('roundtrip');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message).toBeDefined();
    expect(message!.body).toEqual({ request: 'r-1', n: [1, 2, 3] });
    expect(message!.messageId).toBe('id-roundtrip');
    expect(message!.contentType).toBe('application/json');
    expect(message!.correlationId).toBe('corr-1');
    expect(message!.subject).toBe('subject-1');
    expect(message!.to).toBe('to-1');
    expect(message!.replyTo).toBe('reply-1');
    expect(message!.applicationProperties).toEqual({
      int: 7, negative: -3, double: 1.5, bool: true, text: 'x', big: 2 ** 40, when: when.getTime(),
    });
    await receiver.completeMessage(message!);
  });

  it('sends batches built with createMessageBatch and arrays, each message with its own sequence number', async () => {
    const sender = sb.client.createSender('batch');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    for (let i = 0; i < 25; i++) expect(batch.tryAddMessage({ body: Buffer.alloc(10 * 1024, i) })).toBe(true);
    expect(batch.tryAddMessage({ body: Buffer.alloc(10 * 1024) })).toBe(false);
    await sender.sendMessages(batch);
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }]);
    const receiver = sb.client.createReceiver('batch', { receiveMode: 'receiveAndDelete' });
    const received = await receiver.receiveMessages(27, { maxWaitTimeInMs: 5_000 });
    expect(received).toHaveLength(27);
    expect((received[3]!.body as Buffer)[0]).toBe(3);
    expect(received.slice(25).map(bodyOf)).toEqual(['a', 'b']);
    const seqs = received.map((m) => m.sequenceNumber!.toNumber());
    expect(new Set(seqs).size).toBe(27);
  });

  it('rejects a single message over 256 KB with MessageSizeExceeded', async () => {
    const sender = sb.client.createSender('size');
    expect(await errorCode(sender.sendMessages({ body: Buffer.alloc(300 * 1024) }))).toBe('MessageSizeExceeded');
    expect((await countsOf(sb.emulator, 'size')).active).toBe(0);
  });

  it('delivers in sequence order with a lock token, lock expiry, enqueued time and delivery count 0', async () => {
    const sender = sb.client.createSender('ordering');
    const before = Date.now();
    for (let i = 0; i < 5; i++) await sender.sendMessages({ body: i });
    const receiver = sb.client.createReceiver('ordering');
    const messages = await receiver.receiveMessages(5, { maxWaitTimeInMs: 5_000 });
    expect(messages.map(bodyOf)).toEqual([0, 1, 2, 3, 4]);
    const seqs = messages.map((m) => m.sequenceNumber!.toNumber());
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    for (const m of messages) {
      expect(m.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(m.deliveryCount).toBe(0);
      expect(m.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(before - 1);
      // The queue's lock duration is the default, one minute.
      expect(m.lockedUntilUtc!.getTime() - Date.now()).toBeGreaterThan(50_000);
    }
    expect(new Set(messages.map((m) => m.lockToken)).size).toBe(5);
    await Promise.all(messages.map((m) => receiver.completeMessage(m)));
  });

  it('receive-and-delete hands out messages without a lock and removes them', async () => {
    await sb.client.createSender('rad').sendMessages([{ body: 1 }, { body: 2 }]);
    const receiver = sb.client.createReceiver('rad', { receiveMode: 'receiveAndDelete' });
    const messages = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 });
    expect(messages.map(bodyOf)).toEqual([1, 2]);
    expect(messages.every((m) => m.lockToken === undefined)).toBe(true);
    expect((await countsOf(sb.emulator, 'rad')).active).toBe(0);
  });

  it('assigns a 32-hex message id when the sender gives none', async () => {
    await sb.client.createSender('broker-ids').sendMessages({ body: 'no id' });
    const receiver = sb.client.createReceiver('broker-ids');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(message!.messageId).toMatch(/^[0-9a-f]{32}$/);
    // The SDK's lock renewer needs the id to settle without error (pitfall 7).
    await receiver.completeMessage(message!);
  });

  it('peeks without locking: cursor, fromSequenceNumber, and nothing when empty', async () => {
    const receiver = sb.client.createReceiver('peek');
    expect(await receiver.peekMessages(5)).toEqual([]);
    await sb.client.createSender('peek').sendMessages([{ body: 'p1' }, { body: 'p2' }, { body: 'p3' }]);
    const first = await receiver.peekMessages(2);
    expect(first.map(bodyOf)).toEqual(['p1', 'p2']);
    expect(first.every((m) => m.lockToken === undefined)).toBe(true);
    const next = await receiver.peekMessages(2);
    expect(next.map(bodyOf)).toEqual(['p3']);
    const again = await receiver.peekMessages(3, { fromSequenceNumber: first[1]!.sequenceNumber! });
    expect(again.map(bodyOf)).toEqual(['p2', 'p3']);
    // Peeking locked nothing: all three are still receivable at once.
    const received = await sb.client.createReceiver('peek').receiveMessages(3, { maxWaitTimeInMs: 5_000 });
    expect(received).toHaveLength(3);
  });

  it('reports MessagingEntityNotFound for a queue that is not in the topology, sending and receiving', async () => {
    expect(await errorCode(sb.client.createSender('no-such-queue').sendMessages({ body: 1 }))).toBe('MessagingEntityNotFound');
    const receiver = sb.client.createReceiver('no-such-queue');
    expect(await errorCode(receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 }))).toBe('MessagingEntityNotFound');
  });

  it('refuses sessions, which are not emulated', async () => {
    expect(await errorCode(sb.client.acceptNextSession('roundtrip'))).toBe('SessionCannotBeLocked');
  });

  it('refuses a send that would take the queue past maxSizeInMegabytes with QuotaExceeded', async () => {
    const sender = sb.client.createSender('tiny');
    for (let i = 0; i < 4; i++) await sender.sendMessages({ body: Buffer.alloc(250 * 1024) });
    expect(await errorCode(sender.sendMessages({ body: Buffer.alloc(250 * 1024) }))).toBe('QuotaExceeded');
    expect((await countsOf(sb.emulator, 'tiny')).active).toBe(4);
  });
});
