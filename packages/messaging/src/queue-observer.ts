// Queue depth, dead-letter depth and the oldest message's age, observed from the broker with the
// data-plane SDK (peek, which takes no lock and changes nothing): the Azure Monitor namespace
// metrics need no code, but the emulator has none, and this keeps one set of names for both.
// Counting by peek is bounded: a queue deeper than PEEK_LIMIT reports PEEK_LIMIT.
import { ATTR, METRICS } from '@tapline/observability';
import type { ServiceBus } from './bus.js';
import { recorder } from './telemetry.js';

export const PEEK_LIMIT = 1_000;
const PAGE = 100;

export interface QueueSnapshot {
  readonly depth: number;
  readonly deadLetterDepth: number;
  /** Seconds since the oldest active message was enqueued; 0 when the queue is empty. */
  readonly oldestAgeSeconds: number;
}

export interface QueueObserver {
  /** The last observation of each queue (absent until the first poll returns). */
  snapshot(queue: string): QueueSnapshot | undefined;
  /** Polls once now (tests; the timer polls on its own). */
  poll(): Promise<void>;
  stop(): void;
}

async function peekAll(bus: ServiceBus, queue: string, subQueue?: 'deadLetter'): Promise<{ count: number; oldest?: Date }> {
  const receiver = bus.client.createReceiver(queue, { receiveMode: 'peekLock', ...(subQueue && { subQueueType: subQueue }) });
  try {
    let count = 0;
    let oldest: Date | undefined;
    while (count < PEEK_LIMIT) {
      const page = await receiver.peekMessages(PAGE);
      for (const m of page) {
        if (m.enqueuedTimeUtc !== undefined && (oldest === undefined || m.enqueuedTimeUtc < oldest)) oldest = m.enqueuedTimeUtc;
      }
      count += page.length;
      if (page.length < PAGE) break;
    }
    return { count: Math.min(count, PEEK_LIMIT), ...(oldest && { oldest }) };
  } finally {
    await receiver.close();
  }
}

/** Observes `queues` every `intervalMs` and reports them as the three gauges of metric-names.ts. */
export function observeQueues(bus: ServiceBus, queues: readonly string[], intervalMs: number, now: () => number = Date.now): QueueObserver {
  const last = new Map<string, QueueSnapshot>();
  const poll = async () => {
    for (const queue of queues) {
      try {
        const [active, dead] = await Promise.all([peekAll(bus, queue), peekAll(bus, queue, 'deadLetter')]);
        last.set(queue, {
          depth: active.count,
          deadLetterDepth: dead.count,
          oldestAgeSeconds: active.oldest === undefined ? 0 : Math.max(0, (now() - active.oldest.getTime()) / 1000),
        });
      } catch {
        // The broker is unreachable right now: keep the last observation; the consumer logs the outage.
      }
    }
  };
  const gauge = (pick: (s: QueueSnapshot) => number) => () => queues.flatMap((queue) => {
    const s = last.get(queue);
    return s === undefined ? [] : [[pick(s), { [ATTR.queue]: queue }] as const];
  });
  recorder.observe(METRICS.queueDepth, gauge((s) => s.depth));
  recorder.observe(METRICS.deadLetterDepth, gauge((s) => s.deadLetterDepth));
  recorder.observe(METRICS.oldestMessageAge, gauge((s) => s.oldestAgeSeconds));
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= poll().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();
  return { snapshot: (queue) => last.get(queue), poll, stop: () => clearInterval(timer) };
}
