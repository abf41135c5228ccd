/**
 * Narrow ports shared by every service. Others (Directory, TapIssuer, Notifier, Ledger...) are
 * declared next to the services that need them, named for intent, as they are built.
 */
export interface Clock {
  now(): Date;
}

/** Uniform in [0, 1). Injected so jitter and ids are deterministic in tests. */
export interface Random {
  next(): number;
}

export const systemClock: Clock = { now: () => new Date() };

export const mathRandom: Random = { next: () => Math.random() };
