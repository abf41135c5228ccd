// What the intake counts: one counter, `tap.requests`, by outcome (and, for ignored requests, the
// stage and request type that made them ignorable). The port keeps handlers free of any metrics SDK.

export type RequestOutcome =
  | 'accepted'
  | 'ignored'
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'unavailable'
  | 'failed';

export interface RequestAttributes {
  readonly reason?: string;
  readonly stage?: string;
  readonly requestType?: string;
}

export interface IntakeMetrics {
  requestHandled(outcome: RequestOutcome, attributes?: RequestAttributes): void;
}

export interface CountingMetrics extends IntakeMetrics {
  /** Counts by `outcome` and by `outcome/reason`, for tests and the health of the local stack. */
  snapshot(): Record<string, number>;
}

export function createCountingMetrics(): CountingMetrics {
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    requestHandled(outcome, attributes) {
      bump(outcome);
      if (attributes?.reason !== undefined) bump(`${outcome}/${attributes.reason}`);
    },
    snapshot: () => Object.fromEntries(counts),
  };
}
