// Locking exactly the dead letters an operator selected. Service Bus can only fetch a message by
// sequence number when it is deferred, so the dead-letter queue is received in order (peek-lock):
// a selected message goes to the handler, any other is held locked (not abandoned at once: an
// abandoned message returns to the head and would be received again) and abandoned at the end,
// which costs it one delivery count and nothing else. A selected message that another process holds
// locked (a killed tapctl, a second operator) is waited for until its lock expires, up to a bound;
// one that is gone (settled elsewhere) is reported as such.

import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import Long from 'long';

export interface LockOptions {
  /** Most handlers running at once. */
  readonly concurrency: number;
  /** Called before each handler starts (the rate limit). */
  readonly pace: () => Promise<void>;
  /** How long to wait for selected messages locked by someone else (default 90 s: Azure's default lock is 60 s). */
  readonly lockWaitMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface LockResult {
  /** Selected sequence numbers that were no longer in the dead-letter queue. */
  readonly gone: number[];
  /** Selected sequence numbers still locked by someone else when the wait ended. */
  readonly stillLocked: number[];
}

export type Handler = (message: ServiceBusReceivedMessage, receiver: ServiceBusReceiver) => Promise<void>;

const RECEIVE_BATCH = 50;
const EMPTY_WAIT_MS = 1_000;
const RETRY_PAUSE_MS = 2_000;

export async function forEachLocked(client: ServiceBusClient, queueName: string, wanted: readonly number[], handle: Handler, options: LockOptions): Promise<LockResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const pending = new Set(wanted);
  const receiver = client.createReceiver(queueName, { subQueueType: 'deadLetter', maxAutoLockRenewalDurationInMs: 15 * 60_000 });
  const held: ServiceBusReceivedMessage[] = [];
  const running = new Set<Promise<void>>();
  const gone: number[] = [];
  let waitingSince: number | undefined;
  const lockWaitMs = options.lockWaitMs ?? 90_000;
  // Bounded: each round either receives, or waits, and the wait is bounded by lockWaitMs.
  const maxRounds = wanted.length * 4 + Math.ceil(lockWaitMs / RETRY_PAUSE_MS) + 100;
  try {
    for (let round = 0; pending.size > 0 && round < maxRounds; round++) {
      const batch = await receiver.receiveMessages(Math.min(pending.size, RECEIVE_BATCH), { maxWaitTimeInMs: EMPTY_WAIT_MS });
      for (const message of batch) {
        const seq = message.sequenceNumber?.toNumber() ?? -1;
        if (!pending.delete(seq)) {
          held.push(message);
          continue;
        }
        waitingSince = undefined;
        await options.pace();
        while (running.size >= options.concurrency) await Promise.race(running);
        const task = handle(message, receiver).finally(() => running.delete(task));
        running.add(task);
      }
      if (batch.length > 0 || pending.size === 0) continue;
      // Nothing receivable: the rest are gone, or locked by someone else.
      const present = await presentSequences(receiver, Math.min(...pending));
      for (const seq of [...pending]) {
        if (!present.has(seq)) {
          pending.delete(seq);
          gone.push(seq);
        }
      }
      if (pending.size === 0) break;
      waitingSince ??= now();
      if (now() - waitingSince >= lockWaitMs) break;
      await sleep(RETRY_PAUSE_MS);
    }
    await Promise.all(running);
  } finally {
    await Promise.all(running);
    // One at a time: rhea must never merge these with another disposition (see @tapline/messaging).
    for (const message of held) await receiver.abandonMessage(message).catch(() => undefined);
    await receiver.close();
  }
  return { gone, stillLocked: [...pending] };
}

/** Sequence numbers still in the dead-letter queue from `from` on (peek: locks do not hide them). */
async function presentSequences(receiver: ServiceBusReceiver, from: number): Promise<Set<number>> {
  const present = new Set<number>();
  let cursor = Long.fromNumber(from);
  for (let page = 0; page < 100; page++) {
    const batch = await receiver.peekMessages(250, { fromSequenceNumber: cursor });
    if (batch.length === 0) break;
    for (const m of batch) present.add(m.sequenceNumber?.toNumber() ?? -1);
    cursor = batch[batch.length - 1]!.sequenceNumber!.add(1);
  }
  return present;
}

/**
 * The rate limit: a token bucket refilled at `rate` per second that holds at most a tenth of a
 * second's worth (at least one token). At 10/s that is one message every 100 ms; at 1,000/s the
 * bucket absorbs timer and event-loop lag instead of sleeping a whole timer tick per message.
 */
export function pacer(ratePerSecond: number, now: () => number = Date.now, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): () => Promise<void> {
  const capacity = Math.max(1, Math.floor(ratePerSecond / 10));
  let tokens = 1;
  let last = now();
  const refill = () => {
    const t = now();
    tokens = Math.min(capacity, tokens + ((t - last) * ratePerSecond) / 1000);
    last = t;
  };
  return async () => {
    refill();
    // Bounded: each sleep lasts until at least one token is back.
    for (let round = 0; tokens < 1 && round < 1000; round++) {
      await sleep(Math.max(1, Math.ceil(((1 - tokens) * 1000) / ratePerSecond)));
      refill();
    }
    tokens -= 1;
  };
}
