// Outcome counters per consumer: a plain object a service can read or export as metrics later.

export interface ConsumerCounters {
  received: number;
  completed: number;
  retried: number;
  deadLettered: number;
  abandoned: number;
  /** Settlements the broker refused (lock lost, link gone): the message will come back. */
  settleFailed: number;
  /** Errors reported by the SDK's receive loop (link detach, connection loss). */
  receiveErrors: number;
}

export function newCounters(): ConsumerCounters {
  return { received: 0, completed: 0, retried: 0, deadLettered: 0, abandoned: 0, settleFailed: 0, receiveErrors: 0 };
}
