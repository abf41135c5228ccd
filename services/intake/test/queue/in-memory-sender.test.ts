import { describe, expect, it } from 'vitest';
import { createInMemoryRequestQueue } from '../../src/queue/in-memory-sender.js';
import type { InMemoryRequestQueue } from '../../src/queue/in-memory-sender.js';
import { describeSenderConformance } from './sender-conformance.js';

describeSenderConformance('in-memory', () => {
  const queue = createInMemoryRequestQueue();
  return Promise.resolve({
    sender: queue,
    received: (ids: readonly string[]) => {
      const wanted = new Set(ids);
      return Promise.resolve(queue.drain().filter((m) => wanted.has(m.messageId)).map(({ enqueuedAt: _at, ...m }) => m));
    },
    unreachableSender: () => {
      const down: InMemoryRequestQueue = createInMemoryRequestQueue();
      down.setAvailable(false);
      return Promise.resolve(down);
    },
    close: () => queue.close(),
  });
});

describe('in-memory queue', () => {
  it('accepts the same message id again once the duplicate detection window has passed', async () => {
    let now = new Date('2026-11-25T10:00:00Z');
    const queue = createInMemoryRequestQueue({ duplicateWindowMs: 60_000, clock: () => now });
    const message = { messageId: 'm1', correlationId: 'r1', body: '{}', applicationProperties: {} };
    await queue.send(message);
    now = new Date('2026-11-25T10:00:59Z');
    await queue.send(message);
    now = new Date('2026-11-25T10:01:01Z');
    await queue.send(message);
    expect(queue.drain()).toHaveLength(2);
    expect(queue.sendCount).toBe(3);
  });
});
