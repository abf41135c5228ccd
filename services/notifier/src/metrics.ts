// The notifier's counters (DESIGN section 9 names where it gives them), as Prometheus text on
// @tapline/observability's loopback-only /metrics endpoint; OpenTelemetry export replaces the
// endpoint later, the names stay. Labels are closed sets (channels, reasons, outcomes): never an
// id or a contact.
import { createCounters, type Labels } from '@tapline/observability';

export type ResumeMetric = 'continued' | 'denied' | 'fell-back' | 'failed';
export type NoticeMetric = 'sent' | 'skipped' | 'failed' | 'deferred';

export interface NotifierMetrics {
  delivered(channel: string): void;
  sendRejected(channel: string): void;
  superseded(): void;
  deadLettered(queue: string, reason: string): void;
  retriedLater(): void;
  providerThrottled(provider: string): void;
  resumed(outcome: ResumeMetric): void;
  managerNotice(kind: 'confirmation' | 'denial', outcome: NoticeMetric): void;
  /** The precise denial reasons (security dashboards), never shown to the manager. */
  denialReported(reason: string): void;
  render(): string;
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): NotifierMetrics {
  const { inc, value, render } = createCounters();
  return {
    delivered: (channel) => inc('tap.delivered', { channel }),
    sendRejected: (channel) => inc('tap.send_rejected', { channel }),
    superseded: () => inc('tap.superseded'),
    deadLettered: (queue, reason) => inc('tap.dead_lettered', { queue, reason }),
    retriedLater: () => inc('tap.retried_later'),
    providerThrottled: (provider) => inc('provider.throttled', { provider }),
    resumed: (outcome) => inc('entra.resumed', { outcome }),
    managerNotice: (kind, outcome) => inc('manager.notices', { kind, outcome }),
    denialReported: (reason) => inc('tap.denial_reported', { reason }),
    value,
    render: () => render(),
  };
}
