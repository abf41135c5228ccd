// What the intake counts: `tap.requests` by outcome and reason (metric-names.ts), on the
// OpenTelemetry metrics API. The port keeps handlers free of any metrics SDK; the stage and
// request type of an ignored request go to the log line, not the metric (they would multiply the
// series for no dashboard).
import { ATTR, MESSAGING_SYSTEM, METRICS, createRecorder } from '@tapline/observability';

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
  /** A message the broker accepted (`messaging.client.sent.messages`), or failed to (`errorType`). */
  messageSent(queue: string, errorType?: string): void;
}

export interface CountingMetrics extends IntakeMetrics {
  /** Counts by `outcome` and by `outcome/reason`, for tests and the health of the local stack. */
  snapshot(): Record<string, number>;
}

export function createCountingMetrics(): CountingMetrics {
  const recorder = createRecorder('tapline-intake');
  const counts = new Map<string, number>();
  const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
  return {
    requestHandled(outcome, attributes) {
      recorder.add(METRICS.requests, { [ATTR.outcome]: outcome, ...(attributes?.reason !== undefined && { [ATTR.reason]: attributes.reason }) });
      bump(outcome);
      if (attributes?.reason !== undefined) bump(`${outcome}/${attributes.reason}`);
    },
    messageSent(queue, errorType) {
      recorder.add(METRICS.messagingSent, {
        [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.messagingDestination]: queue, [ATTR.messagingOperationName]: 'send',
        ...(errorType !== undefined && { [ATTR.errorType]: errorType }),
      });
    },
    snapshot: () => Object.fromEntries(counts),
  };
}
