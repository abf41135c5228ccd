// One behavioural suite for every QueueSender (the memory fake and the Service Bus adapter), so
// the fake the intake and the worker test against behaves as the broker does.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { QueueSender } from '@tapline/messaging';

/** What the queue holds, as seen by peeking it. */
export interface Observed {
  readonly messageId: string;
  readonly body: unknown;
  readonly correlationId?: string;
  readonly contentType?: string;
  readonly applicationProperties: Record<string, unknown>;
  readonly scheduledEnqueueTime?: Date;
  readonly timeToLiveMs?: number;
}

export interface SenderHarness {
  readonly sender: QueueSender;
  /** Everything the queue holds (active and scheduled), oldest first. */
  observe(this: void): Promise<Observed[]>;
}

export function senderConformance(name: string, factory: () => Promise<SenderHarness>): void {
  describe(`QueueSender conformance: ${name}`, () => {
    it('delivers body, ids, content type and properties as sent', async () => {
      const { sender, observe } = await factory();
      const messageId = randomUUID();
      await sender.send({
        messageId,
        body: { schemaVersion: 1, requestId: 'r-1', nested: { list: [1, 'two', true] } },
        correlationId: 'corr-1',
        contentType: 'application/json',
        applicationProperties: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', attempt: 2, flag: true },
      });
      const seen = await observe();
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        messageId,
        body: { schemaVersion: 1, requestId: 'r-1', nested: { list: [1, 'two', true] } },
        correlationId: 'corr-1',
        contentType: 'application/json',
        applicationProperties: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', attempt: 2, flag: true },
      });
    });

    it('keeps one message when the same message id is sent twice (duplicate detection)', async () => {
      const { sender, observe } = await factory();
      const messageId = randomUUID();
      await sender.send({ messageId, body: { n: 1 } });
      await sender.send({ messageId, body: { n: 2 } });
      await sender.send({ messageId: randomUUID(), body: { n: 3 } });
      const seen = await observe();
      expect(seen.map((m) => m.body)).toEqual([{ n: 1 }, { n: 3 }]);
    });

    it('carries a schedule and a time to live', async () => {
      const { sender, observe } = await factory();
      const at = new Date(Date.now() + 3_600_000);
      await sender.send({ messageId: randomUUID(), body: 'later', scheduledEnqueueTime: at, timeToLiveMs: 7_200_000 });
      const [seen] = await observe();
      expect(seen?.scheduledEnqueueTime?.getTime()).toBe(at.getTime());
      expect(seen?.timeToLiveMs).toBe(7_200_000);
    });

    it('refuses to send once closed', async () => {
      const { sender } = await factory();
      await sender.close();
      await expect(sender.send({ messageId: randomUUID(), body: 'x' })).rejects.toThrow();
    });
  });
}
