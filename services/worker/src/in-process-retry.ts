// In-process retries of single calls (DESIGN section 5): a retryable failure of one Graph read,
// one TAP create or one publish is retried on its own, with jittered exponential backoff that
// honours Retry-After, until the message's in-process deadline; past it the error surfaces and
// the handler turns it into a delayed retry. Retrying the one call (not the whole request) matters
// under throttling: a request makes about ten Graph calls, and with 30% of them refused, a
// request retried as a whole would almost never get all ten through in one go.
import { isRetryable } from '@tapline/domain';
import { sleep } from '@tapline/graph';
import type { AssignmentRequests, Directory, TapIssuer } from '@tapline/graph';
import type { QueueSender } from '@tapline/messaging';

export interface Retrier {
  run<T>(call: () => Promise<T>): Promise<T>;
  /** The delay before the next try of a failed attempt, or undefined when the deadline is too near. */
  nextDelay(err: { retryAfterMs?: number | undefined }, tries: number): number | undefined;
}

export interface RetrierOptions {
  readonly deadline: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  readonly signal: AbortSignal;
  readonly onRetry?: (err: Error, delayMs: number, tries: number) => void;
  readonly now?: () => number;
}

export function createRetrier(options: RetrierOptions): Retrier {
  const now = options.now ?? Date.now;
  const nextDelay = (err: { retryAfterMs?: number | undefined }, tries: number): number | undefined => {
    const backoff = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(tries, 20)) * (0.5 + options.random() / 2);
    const delay = Math.max(backoff, err.retryAfterMs ?? 0);
    return now() + delay < options.deadline && !options.signal.aborted ? delay : undefined;
  };
  return {
    nextDelay,
    async run(call) {
      for (let tries = 0; ; tries++) {
        try {
          return await call();
        } catch (err) {
          if (!isRetryable(err)) throw err;
          const delay = nextDelay(err, tries);
          if (delay === undefined) throw err;
          options.onRetry?.(err, delay, tries + 1);
          await sleep(delay, options.signal).catch(() => {
            throw err;
          });
        }
      }
    },
  };
}

export function retryingDirectory(d: Directory, r: Retrier): Directory {
  return {
    getUser: (id, role) => r.run(() => d.getUser(id, role)),
    managerChain: (id, depth) => r.run(() => d.managerChain(id, depth)),
    activeRoleCount: (id) => r.run(() => d.activeRoleCount(id)),
    eligibleRoleCount: (id) => r.run(() => d.eligibleRoleCount(id)),
    groupMemberships: (id, groups) => r.run(() => d.groupMemberships(id, groups)),
    contacts: (id, role, options) => r.run(() => d.contacts(id, role, options)),
  };
}

export function retryingAssignmentRequests(a: AssignmentRequests, r: Retrier): AssignmentRequests {
  return { get: (id) => r.run(() => a.get(id)) };
}

/**
 * Re-creating after a failed create is safe: a 429 or a 5xx created nothing, and if a timeout hid
 * a success, the new TAP replaces that one, whose secret nobody ever saw.
 */
export function retryingTapIssuer(t: TapIssuer, r: Retrier): TapIssuer {
  return {
    policy: () => r.run(() => t.policy()),
    create: (id, request) => r.run(() => t.create(id, request)),
  };
}

/** Re-sending is safe: deterministic message ids let duplicate detection drop a copy that did arrive. */
export function retryingSender(s: QueueSender, r: Retrier): QueueSender {
  return { queue: s.queue, send: (m) => r.run(() => s.send(m)), close: () => s.close() };
}
