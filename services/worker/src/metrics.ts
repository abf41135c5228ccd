// The worker's counters (DESIGN section 9 names), kept small: plain counters with labels, exposed
// as Prometheus text on @tapline/observability's loopback-only /metrics endpoint. OpenTelemetry
// export replaces the endpoint later; the names stay.
import { createCounters, type Labels } from '@tapline/observability';

export interface WorkerMetrics {
  requests(): void;
  issued(): void;
  denied(reason: string): void;
  /** A call-out Graph did not confirm (check 0), per refusal reason. */
  refused(reason: string): void;
  deadLettered(queue: string, reason: string): void;
  graphThrottled(): void;
  duplicate(): void;
  retriedLater(): void;
  /** Prometheus text exposition of every counter. */
  render(extra?: Readonly<Record<string, number>>): string;
  /** Current value, for tests and the bench. */
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): WorkerMetrics {
  const { inc, value, render } = createCounters();
  return {
    requests: () => inc('tap.requests'),
    issued: () => inc('tap.issued'),
    denied: (reason) => inc('tap.denied', { reason }),
    refused: (reason) => inc('tap.refused', { reason }),
    deadLettered: (queue, reason) => inc('tap.dead_lettered', { queue, reason }),
    graphThrottled: () => inc('graph.throttled'),
    duplicate: () => inc('tap.duplicates'),
    retriedLater: () => inc('tap.retried_later'),
    value,
    render,
  };
}
