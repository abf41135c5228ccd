// The dashboard's numbers, computed from the stored metrics and spans. Every figure comes from a
// metric of metric-names.ts by its exported name: the same series Azure Monitor receives.
import { METRICS } from '@tapline/observability/metric-names';
import type { StoredSpan } from './otlp.js';
import { quantile, type TelemetryStore } from './store.js';

/** Totals recorded over time for the outcomes chart. */
export const TRACKED = {
  delivered: [METRICS.delivered.name],
  denied: [METRICS.denied.name],
  deadLettered: [METRICS.deadLettered.name],
  issued: [METRICS.issued.name],
} as const;

export interface Percentiles {
  readonly count: number;
  readonly p50?: number;
  readonly p90?: number;
  readonly p99?: number;
}

export interface TimelineStep {
  readonly service: string;
  readonly name: string;
  readonly offsetMs: number;
  readonly durationMs: number;
  readonly error: boolean;
}

export interface RecentRequest {
  readonly requestId: string;
  readonly traceId: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly outcome: string;
  readonly steps: readonly TimelineStep[];
}

export interface DeadLetterGroup {
  readonly queue: string;
  readonly reason: string;
  readonly count: number;
  /** The tapctl command that lists these dead letters. */
  readonly command: string;
}

export interface DeadLetterSeen {
  readonly queue: string;
  readonly reason: string;
  readonly requestId?: string;
  readonly messageId?: string;
  readonly at: string;
  readonly command: string;
}

export interface Summary {
  readonly generatedAt: string;
  readonly totals: { readonly requests: number; readonly issued: number; readonly delivered: number; readonly denied: number; readonly deadLettered: number; readonly superseded: number };
  readonly history: readonly { readonly t: number; readonly values: Readonly<Record<string, number>> }[];
  readonly requestsByOutcome: Record<string, number>;
  readonly denialReasons: Record<string, number>;
  readonly latency: { readonly issuance: Percentiles; readonly endToEnd: Percentiles };
  readonly graph: { readonly calls: Record<string, number>; readonly throttled: number; readonly writes: number; readonly writeBudgetRate?: number };
  readonly acs: { readonly sends: Record<string, Record<string, number>>; readonly rateLimitWaits: Record<string, number>; readonly delivered: Record<string, number> };
  readonly queues: Record<string, { readonly depth?: number; readonly deadLetterDepth?: number; readonly oldestAgeSeconds?: number }>;
  readonly deadLetters: readonly DeadLetterGroup[];
  readonly recentDeadLetters: readonly DeadLetterSeen[];
  readonly recentRequests: readonly RecentRequest[];
}

function percentiles(store: TelemetryStore, metric: string): Percentiles {
  const h = store.histogram(metric);
  const at = (q: number) => quantile(h, q);
  return { count: h?.count ?? 0, ...(h !== undefined && h.count > 0 && { p50: at(0.5)!, p90: at(0.9)!, p99: at(0.99)! }) };
}

/** `tap-requests` -> `requests`, as `tapctl dlq --queue` names them. */
const queueArgument = (queue: string): string => queue.replace(/^tap-/, '');

export function timelineOf(spans: readonly StoredSpan[]): { start: number; end: number; steps: TimelineStep[] } {
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.endMs));
  return {
    start,
    end,
    steps: spans.map((s) => ({ service: s.service, name: s.name, offsetMs: s.startMs - start, durationMs: s.endMs - s.startMs, error: s.status.code === 2 })),
  };
}

function outcomeOf(spans: readonly StoredSpan[]): string {
  const names = new Set(spans.map((s) => s.name));
  if (spans.some((s) => s.attributes['tap.outcome'] === 'deadLetter')) return 'dead-lettered';
  if (names.has('deliver') && spans.some((s) => s.name.startsWith('send ') && s.attributes['tap.outcome'] === 'accepted')) return 'delivered';
  if (names.has('deny')) return 'denied';
  if (names.has('issue')) return 'issued';
  return 'in progress';
}

export function summarise(store: TelemetryStore, now: Date = new Date(), recent = 10): Summary {
  const queues: Record<string, { depth?: number; deadLetterDepth?: number; oldestAgeSeconds?: number }> = {};
  const put = (metric: string, field: 'depth' | 'deadLetterDepth' | 'oldestAgeSeconds') => {
    for (const [queue, value] of Object.entries(store.gaugeBy(metric, 'queue'))) (queues[queue] ??= {})[field] = value;
  };
  put(METRICS.queueDepth.name, 'depth');
  put(METRICS.deadLetterDepth.name, 'deadLetterDepth');
  put(METRICS.oldestMessageAge.name, 'oldestAgeSeconds');

  const deadLetters: DeadLetterGroup[] = [];
  for (const p of store.points()) {
    if (p.metric !== METRICS.deadLettered.name || p.value === 0) continue;
    const queue = String(p.attributes.queue ?? '');
    const reason = String(p.attributes.reason ?? '');
    const group = deadLetters.find((g) => g.queue === queue && g.reason === reason);
    if (group !== undefined) (group as { count: number }).count += p.value;
    else deadLetters.push({ queue, reason, count: p.value, command: `pnpm tapctl dlq list --queue ${queueArgument(queue)} --reason ${reason}` });
  }

  const recentDeadLetters: DeadLetterSeen[] = store.spans()
    .filter((s) => s.attributes['tap.outcome'] === 'deadLetter')
    .slice(-recent)
    .reverse()
    .map((s) => {
      const requestId = typeof s.attributes['tap.request_id'] === 'string' ? s.attributes['tap.request_id'] : undefined;
      const messageId = typeof s.attributes['messaging.message.id'] === 'string' ? s.attributes['messaging.message.id'] : undefined;
      return {
        queue: String(s.attributes['messaging.destination.name'] ?? ''),
        reason: String(s.attributes['tap.reason'] ?? ''),
        ...(requestId !== undefined && { requestId }),
        ...(messageId !== undefined && { messageId }),
        at: new Date(s.endMs).toISOString(),
        command: requestId !== undefined ? `pnpm tapctl dlq show ${requestId}` : `pnpm tapctl dlq list --queue ${queueArgument(String(s.attributes['messaging.destination.name'] ?? ''))}`,
      };
    });

  const recentRequests: RecentRequest[] = store.recentRequests(recent).map((requestId) => {
    const spans = store.tracesOfRequest(requestId).flatMap((t) => store.trace(t)).sort((a, b) => a.startMs - b.startMs);
    const { start, end, steps } = timelineOf(spans);
    return { requestId, traceId: spans[0]?.traceId ?? '', startedAt: new Date(start).toISOString(), durationMs: end - start, outcome: outcomeOf(spans), steps };
  });

  const sends: Record<string, Record<string, number>> = {};
  for (const p of store.points()) {
    if (p.metric !== METRICS.acsSends.name) continue;
    const channel = String(p.attributes.channel ?? '');
    const outcome = String(p.attributes.outcome ?? '');
    (sends[channel] ??= {})[outcome] = (sends[channel][outcome] ?? 0) + p.value;
  }
  const writeRates = Object.values(store.gaugeBy(METRICS.graphWriteBudget.name, ''));

  return {
    generatedAt: now.toISOString(),
    totals: {
      requests: store.total(METRICS.requests.name, { outcome: 'accepted' }),
      issued: store.total(METRICS.issued.name),
      delivered: store.total(METRICS.delivered.name),
      denied: store.total(METRICS.denied.name),
      deadLettered: store.total(METRICS.deadLettered.name),
      superseded: store.total(METRICS.superseded.name),
    },
    history: store.history(),
    requestsByOutcome: store.totalsBy(METRICS.requests.name, 'outcome'),
    denialReasons: store.totalsBy(METRICS.denialReasons.name, 'reason'),
    latency: { issuance: percentiles(store, METRICS.issuanceDuration.name), endToEnd: percentiles(store, METRICS.endToEndDuration.name) },
    graph: {
      calls: store.totalsBy(METRICS.graphCalls.name, 'outcome'),
      throttled: store.total(METRICS.graphThrottled.name),
      writes: store.total(METRICS.graphWrites.name),
      ...(writeRates.length > 0 && { writeBudgetRate: Math.min(...writeRates) }),
    },
    acs: { sends, rateLimitWaits: store.totalsBy(METRICS.acsRateLimitWaits.name, 'channel'), delivered: store.totalsBy(METRICS.delivered.name, 'channel') },
    queues,
    deadLetters,
    recentDeadLetters,
    recentRequests,
  };
}
