// The notifier's metrics (DESIGN section 9), on the OpenTelemetry metrics API with the names and
// attributes of @tapline/observability's metric list. Attribute values are closed sets (channels,
// reasons, outcomes): never an id or a contact. `value()` reads back what this process recorded,
// for tests.
import { ATTR, METRICS, createRecorder } from '@tapline/observability';
import type { Labels } from '@tapline/observability';

export type ResumeMetric = 'continued' | 'denied' | 'fell-back' | 'failed';
export type NoticeMetric = 'sent' | 'skipped' | 'failed' | 'deferred';
export type AcsSendOutcome = 'accepted' | 'rejected' | 'throttled' | 'failed';

export interface NotifierMetrics {
  delivered(channel: string): void;
  /** From the intake accepting the request to this delivery. */
  endToEnd(channel: string, seconds: number): void;
  sendRejected(channel: string): void;
  superseded(): void;
  deadLettered(queue: string, reason: string): void;
  retriedLater(queue: string): void;
  providerThrottled(provider: string): void;
  acsSend(channel: string, outcome: AcsSendOutcome): void;
  /** A send waited for its channel's rate gate. */
  acsRateLimitWait(channel: string): void;
  resumed(outcome: ResumeMetric): void;
  managerNotice(kind: 'confirmation' | 'denial', outcome: NoticeMetric): void;
  /** The precise denial reasons (security dashboards), never shown to the manager. */
  denialReported(reason: string): void;
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): NotifierMetrics {
  const r = createRecorder('tapline-notifier');
  return {
    delivered: (channel) => r.add(METRICS.delivered, { [ATTR.channel]: channel }),
    endToEnd: (channel, seconds) => r.record(METRICS.endToEndDuration, seconds, { [ATTR.channel]: channel }),
    sendRejected: (channel) => r.add(METRICS.sendRejected, { [ATTR.channel]: channel }),
    superseded: () => r.add(METRICS.superseded),
    deadLettered: (queue, reason) => r.add(METRICS.deadLettered, { [ATTR.queue]: queue, [ATTR.reason]: reason }),
    retriedLater: (queue) => r.add(METRICS.retriedLater, { [ATTR.queue]: queue }),
    providerThrottled: (provider) => r.add(METRICS.providerThrottled, { [ATTR.provider]: provider }),
    acsSend: (channel, outcome) => r.add(METRICS.acsSends, { [ATTR.channel]: channel, [ATTR.outcome]: outcome }),
    acsRateLimitWait: (channel) => r.add(METRICS.acsRateLimitWaits, { [ATTR.channel]: channel }),
    resumed: (outcome) => r.add(METRICS.resumed, { [ATTR.outcome]: outcome }),
    managerNotice: (kind, outcome) => r.add(METRICS.managerNotices, { [ATTR.kind]: kind, [ATTR.outcome]: outcome }),
    denialReported: (reason) => r.add(METRICS.denialReported, { [ATTR.reason]: reason }),
    value: (name, labels) => r.value(name, labels),
  };
}
