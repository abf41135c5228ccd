// The in-memory QueueSender: records what was accepted, drops a repeated messageId as a queue
// with duplicate detection does, and can be told to fail. Passes the sender conformance suite.

import type { OutboundMessage } from './messages.js';
import type { QueueSender } from './sender.js';

export interface MemorySender extends QueueSender {
  /** Messages accepted, in order (duplicates dropped). */
  readonly sent: readonly OutboundMessage[];
  /** The next `send` calls reject with this error, once each, in order. */
  failNext(...errors: Error[]): void;
  clear(): void;
}

export function createMemorySender(queue: string, options: { duplicateDetection?: boolean } = {}): MemorySender {
  const detectDuplicates = options.duplicateDetection ?? true;
  const sent: OutboundMessage[] = [];
  const seen = new Set<string>();
  const failures: Error[] = [];
  let closed = false;
  return {
    queue,
    sent,
    async send(message) {
      await Promise.resolve();
      if (closed) throw new Error(`sender for ${queue} is closed`);
      const failure = failures.shift();
      if (failure) throw failure;
      if (detectDuplicates && seen.has(message.messageId)) return;
      seen.add(message.messageId);
      sent.push(structuredClone(message));
    },
    async close() {
      await Promise.resolve();
      closed = true;
    },
    failNext(...errors) {
      failures.push(...errors);
    },
    clear() {
      sent.length = 0;
      seen.clear();
    },
  };
}
