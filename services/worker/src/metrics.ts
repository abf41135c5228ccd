// The worker's counters (DESIGN section 9 names), kept small: plain counters with labels, exposed
// as Prometheus text on @tapline/observability's loopback-only /metrics endpoint. OpenTelemetry
// export replaces the endpoint later; the names stay.
import { createCounters, type Labels } from '@tapline/observability';

export interface WorkerMetrics {
  requests(): void;
  issued(): void;
  denied(reason: string): void;
  deadLettered(queue: string, reason: string): void;
  graphThrottled(): void;
  duplicate(): void;
  retriedLater(): void;
  /** A directory watch round completed in this process. */
  watchRound(): void;
  /** A tenant-wide audit-log read for the quarantine. */
  auditRead(): void;
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
    deadLettered: (queue, reason) => inc('tap.dead_lettered', { queue, reason }),
    graphThrottled: () => inc('graph.throttled'),
    duplicate: () => inc('tap.duplicates'),
    retriedLater: () => inc('tap.retried_later'),
    watchRound: () => inc('watch.rounds'),
    auditRead: () => inc('graph.audit_reads'),
    value,
    render,
  };
}
