import { describe, expect, it } from 'vitest';
import { countsOf, useTestEmulator } from './helpers.js';

/**
 * The broker relies on private rhea behaviour (reference/servicebus-wire.md, pitfall 17). These
 * tests fail if a rhea upgrade or a refactor loses one of the server-side workarounds.
 */
const sb = useTestEmulator();

async function receiverLinks(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${sb.emulator.adminPort}/stats`);
  return ((await res.json()) as { amqp: { receiverLinks: number } }).amqp.receiverLinks;
}

describe('server-side rhea workarounds', () => {
  it('sends no more messages than the receiver granted credit for (pitfall 3)', async () => {
    await sb.client.createSender('credit').sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: i })));
    const receiver = sb.client.createReceiver('credit');
    const messages = await receiver.receiveMessages(5, { maxWaitTimeInMs: 5_000 });
    expect(messages).toHaveLength(5);
    // Over-sending would lock (and count a delivery for) messages the SDK never asked for.
    expect(await countsOf(sb.emulator, 'credit')).toMatchObject({ active: 20, locked: 5 });
    await Promise.all(messages.map((m) => receiver.completeMessage(m)));
  });

  it('answers every drain, even when in-flight transfers used up the credit, so the SDK keeps one link (pitfall 4)', async () => {
    const count = 1_000;
    const sender = sb.client.createSender('drain');
    for (let sent = 0; sent < count; sent += 250) {
      await sender.sendMessages(Array.from({ length: 250 }, (_, i) => ({ body: sent + i })));
    }
    const receiver = sb.client.createReceiver('drain', { receiveMode: 'receiveAndDelete' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 })).toHaveLength(1);
    const before = await receiverLinks();
    let received = 1;
    // A 3 ms wait makes the SDK drain while transfers are still on their way, the case rhea's own
    // drain echo misses; the SDK then closes its link after 200 ms and attaches a new one.
    for (let round = 0; round < 2_000 && received < count; round++) {
      received += (await receiver.receiveMessages(50, { maxWaitTimeInMs: 3 })).length;
    }
    expect(received).toBe(count);
    expect((await receiverLinks()) - before).toBe(0);
  });

  it('keeps delivering past 2,048 peek-locked messages on one link (pitfall 5)', async () => {
    const count = 2_200;
    const sender = sb.client.createSender('many');
    for (let sent = 0; sent < count; sent += 200) {
      await sender.sendMessages(Array.from({ length: 200 }, (_, i) => ({ body: sent + i })));
    }
    const receiver = sb.client.createReceiver('many');
    let received = 0;
    for (let round = 0; round < 100 && received < count; round++) {
      const messages = await receiver.receiveMessages(Math.min(200, count - received), { maxWaitTimeInMs: 2_000 });
      await Promise.all(messages.map((m) => receiver.completeMessage(m)));
      received += messages.length;
    }
    expect(received).toBe(count);
    expect((await countsOf(sb.emulator, 'many')).active).toBe(0);
  });
});
