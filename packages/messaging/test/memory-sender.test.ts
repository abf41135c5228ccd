import { describe, expect, it } from 'vitest';
import { RetryableError } from '@tapline/domain';
import { createMemorySender } from '@tapline/messaging';
import { senderConformance } from './sender-conformance.js';

senderConformance('memory', () => {
  const sender = createMemorySender('q');
  return Promise.resolve({
    sender,
    observe: () => Promise.resolve(sender.sent.map((m) => ({
      messageId: m.messageId,
      body: m.body,
      ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
      ...(m.contentType !== undefined && { contentType: m.contentType }),
      applicationProperties: { ...m.applicationProperties },
      ...(m.scheduledEnqueueTime !== undefined && { scheduledEnqueueTime: m.scheduledEnqueueTime }),
      ...(m.timeToLiveMs !== undefined && { timeToLiveMs: m.timeToLiveMs }),
    }))),
  });
});

describe('memory sender extras', () => {
  it('fails the next sends on demand, then recovers', async () => {
    const sender = createMemorySender('q');
    sender.failNext(new RetryableError('Service Bus unavailable'));
    await expect(sender.send({ messageId: 'a', body: 1 })).rejects.toBeInstanceOf(RetryableError);
    await sender.send({ messageId: 'a', body: 1 });
    expect(sender.sent.map((m) => m.messageId)).toEqual(['a']);
  });

  it('keeps a copy: mutating the sent object afterwards does not change what was sent', async () => {
    const sender = createMemorySender('q');
    const body = { n: 1 };
    await sender.send({ messageId: 'a', body });
    body.n = 2;
    expect(sender.sent[0]?.body).toEqual({ n: 1 });
  });
});
