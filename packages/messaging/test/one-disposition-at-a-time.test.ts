import { describe, expect, it } from 'vitest';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { oneDispositionAtATime } from '../src/one-disposition-at-a-time.js';
import { receivedMessage } from './fake-bus.js';

describe('oneDispositionAtATime', () => {
  it('starts a disposition only after the previous one was answered, even if it failed', async () => {
    const log: string[] = [];
    const pending: Array<() => void> = [];
    const op = (name: string, fail = false) => (m: ServiceBusReceivedMessage) => {
      log.push(`start ${name} ${String(m.messageId)}`);
      return new Promise<void>((resolve, reject) => {
        pending.push(() => { log.push(`end ${name} ${String(m.messageId)}`); if (fail) reject(new Error('lock lost')); else resolve(); });
      });
    };
    const receiver = oneDispositionAtATime({
      completeMessage: op('complete', true),
      abandonMessage: op('abandon'),
      deadLetterMessage: op('deadLetter'),
    });
    const a = receiver.completeMessage(receivedMessage({ messageId: 'a' }));
    const b = receiver.abandonMessage(receivedMessage({ messageId: 'b' }));
    const c = receiver.deadLetterMessage(receivedMessage({ messageId: 'c' }));
    for (let i = 0; i < 3; i += 1) {
      await new Promise((r) => setTimeout(r, 5));
      expect(pending).toHaveLength(1);
      pending.shift()?.();
    }
    await expect(a).rejects.toThrow('lock lost');
    await Promise.all([b, c]);
    expect(log).toEqual(['start complete a', 'end complete a', 'start abandon b', 'end abandon b', 'start deadLetter c', 'end deadLetter c']);
  });
});
