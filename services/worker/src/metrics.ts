// The worker's metrics (DESIGN section 9), on the OpenTelemetry metrics API with the names and
// attributes of @tapline/observability's metric list. Attribute values are closed sets (reasons,
// queue names): never an id or a contact. `value()` reads back what this process recorded, for
// tests and the bench.
import { ATTR, METRICS, createRecorder } from '@tapline/observability';
import type { Labels } from '@tapline/observability';

export interface GraphStats {
  readonly calls: number;
  readonly throttled: number;
  readonly failed: number;
  readonly writes: number;
}

export interface WorkerMetrics {
  /** A request recorded in the ledger for the first time. */
  received(): void;
  issued(): void;
  /** One denied request, by its deciding (first) reason, and every reason it carried. */
  denied(reasons: readonly string[]): void;
  /** A call-out Graph did not confirm (check 0), per refusal reason. */
  refused(reason: string): void;
  deadLettered(queue: string, reason: string): void;
  graphThrottled(): void;
  duplicate(): void;
  retriedLater(queue: string): void;
  /** A directory watch round completed in this process. */
  watchRound(): void;
  /** A tenant-wide audit-log read for the quarantine. */
  auditRead(): void;
  /** From taking a request to its delivery published. */
  issuance(seconds: number): void;
  /** Observes the Graph adapters' running totals and the write limiter's rate at each collection. */
  observeGraph(stats: () => GraphStats, writeRateFraction: () => number): void;
  /** What this process recorded on a series, for tests and the bench. */
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): WorkerMetrics {
  const r = createRecorder('tapline-worker');
  return {
    received: () => r.add(METRICS.received),
    issued: () => r.add(METRICS.issued),
    denied(reasons) {
      const [deciding] = reasons;
      if (deciding !== undefined) r.add(METRICS.denied, { [ATTR.reason]: deciding });
      for (const reason of reasons) r.add(METRICS.denialReasons, { [ATTR.reason]: reason });
    },
    refused: (reason) => r.add(METRICS.refused, { [ATTR.reason]: reason }),
    deadLettered: (queue, reason) => r.add(METRICS.deadLettered, { [ATTR.queue]: queue, [ATTR.reason]: reason }),
    graphThrottled: () => r.add(METRICS.graphThrottled),
    duplicate: () => r.add(METRICS.duplicates),
    retriedLater: (queue) => r.add(METRICS.retriedLater, { [ATTR.queue]: queue }),
    watchRound: () => r.add(METRICS.watchRounds),
    auditRead: () => r.add(METRICS.auditReads),
    issuance: (seconds) => r.record(METRICS.issuanceDuration, seconds),
    observeGraph(stats, writeRateFraction) {
      r.observe(METRICS.graphCalls, () => {
        const s = stats();
        return [[s.calls - s.throttled - s.failed, { [ATTR.outcome]: 'ok' }], [s.throttled, { [ATTR.outcome]: 'throttled' }], [s.failed, { [ATTR.outcome]: 'failed' }]];
      });
      r.observe(METRICS.graphWrites, () => [[stats().writes]]);
      r.observe(METRICS.graphWriteBudget, () => [[writeRateFraction()]]);
    },
    value: (name, labels) => r.value(name, labels),
  };
}
