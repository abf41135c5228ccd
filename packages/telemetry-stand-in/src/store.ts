// What the stand-in keeps: recent spans (a bounded ring, indexed by trace and request id), the
// latest point of every metric series per exporting process, a short history of chosen totals for
// the "over time" charts, and the raw bodies received (bounded) so a test can scan everything
// that left the services.
import { decodeMetrics, decodeTraces } from './otlp.js';
import type { Attributes, StoredPoint, StoredSpan } from './otlp.js';

export interface StoreLimits {
  readonly maxSpans: number;
  readonly maxHistory: number;
  readonly maxRawBytes: number;
}

export const DEFAULT_LIMITS: StoreLimits = { maxSpans: 50_000, maxHistory: 720, maxRawBytes: 64 * 1024 * 1024 };

export interface MergedHistogram {
  readonly count: number;
  readonly sum: number;
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

export interface HistoryEntry {
  readonly t: number;
  readonly values: Readonly<Record<string, number>>;
}

const REQUEST_ID = 'tap.request_id';

function matches(attributes: Attributes, match: Attributes): boolean {
  return Object.entries(match).every(([k, v]) => attributes[k] === v);
}

function seriesKey(p: StoredPoint): string {
  return `${p.instance}\u0000${p.metric}\u0000${JSON.stringify(Object.entries(p.attributes).sort(([a], [b]) => a.localeCompare(b)))}`;
}

export class TelemetryStore {
  private readonly ring: StoredSpan[] = [];
  private readonly byTrace = new Map<string, StoredSpan[]>();
  private readonly tracesByRequest = new Map<string, Set<string>>();
  private readonly latest = new Map<string, StoredPoint>();
  private readonly historyRing: HistoryEntry[] = [];
  private readonly raw: string[] = [];
  private rawBytes = 0;
  private spansTotal = 0;

  constructor(
    /** Totals recorded in the history after each metrics export: label -> [metric, attribute match]. */
    private readonly tracked: Readonly<Record<string, readonly [string, Attributes?]>> = {},
    private readonly limits: StoreLimits = DEFAULT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  addTraces(text: string): number {
    const spans = decodeTraces(JSON.parse(text) as unknown);
    this.keepRaw(text);
    for (const span of spans) this.addSpan(span);
    this.spansTotal += spans.length;
    return spans.length;
  }

  addMetrics(text: string): number {
    const points = decodeMetrics(JSON.parse(text) as unknown);
    this.keepRaw(text);
    for (const p of points) {
      const key = seriesKey(p);
      const previous = this.latest.get(key);
      if (previous === undefined || previous.timeMs <= p.timeMs) this.latest.set(key, p);
    }
    if (Object.keys(this.tracked).length > 0) {
      const values = Object.fromEntries(Object.entries(this.tracked).map(([label, [metric, match]]) => [label, this.total(metric, match)]));
      this.historyRing.push({ t: this.now(), values });
      if (this.historyRing.length > this.limits.maxHistory) this.historyRing.shift();
    }
    return points.length;
  }

  private addSpan(span: StoredSpan): void {
    this.ring.push(span);
    const trace = this.byTrace.get(span.traceId) ?? [];
    trace.push(span);
    this.byTrace.set(span.traceId, trace);
    const requestId = span.attributes[REQUEST_ID];
    if (typeof requestId === 'string') {
      const traces = this.tracesByRequest.get(requestId) ?? new Set<string>();
      traces.add(span.traceId);
      this.tracesByRequest.set(requestId, traces);
    }
    while (this.ring.length > this.limits.maxSpans) this.dropOldest();
  }

  private dropOldest(): void {
    const old = this.ring.shift();
    if (old === undefined) return;
    const rest = (this.byTrace.get(old.traceId) ?? []).filter((s) => s !== old);
    if (rest.length > 0) {
      this.byTrace.set(old.traceId, rest);
      return;
    }
    this.byTrace.delete(old.traceId);
    const requestId = old.attributes[REQUEST_ID];
    if (typeof requestId === 'string') this.tracesByRequest.get(requestId)?.delete(old.traceId);
  }

  private keepRaw(text: string): void {
    this.raw.push(text);
    this.rawBytes += text.length;
    while (this.rawBytes > this.limits.maxRawBytes && this.raw.length > 1) this.rawBytes -= this.raw.shift()!.length;
  }

  /** Spans of one trace, by start time. */
  trace(traceId: string): StoredSpan[] {
    return [...(this.byTrace.get(traceId) ?? [])].sort((a, b) => a.startMs - b.startMs);
  }

  /** Trace ids whose spans name this request, oldest first. */
  tracesOfRequest(requestId: string): string[] {
    return [...(this.tracesByRequest.get(requestId) ?? [])]
      .map((id) => ({ id, start: Math.min(...this.trace(id).map((s) => s.startMs)) }))
      .sort((a, b) => a.start - b.start)
      .map((t) => t.id);
  }

  /** Request ids seen in spans, most recently started first. */
  recentRequests(limit: number): string[] {
    const seen = new Map<string, number>();
    for (const span of this.ring) {
      const requestId = span.attributes[REQUEST_ID];
      if (typeof requestId === 'string') seen.set(requestId, Math.min(seen.get(requestId) ?? Infinity, span.startMs));
    }
    return [...seen.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([id]) => id);
  }

  /** Every span received since the start, including those the ring has dropped since. */
  spansReceived(): number {
    return this.spansTotal;
  }

  spans(): readonly StoredSpan[] {
    return this.ring;
  }

  points(): StoredPoint[] {
    return [...this.latest.values()];
  }

  /** Every raw body received (traces and metrics), oldest first, for secret scans. */
  rawBodies(): readonly string[] {
    return this.raw;
  }

  /** A counter's total: the latest cumulative value of each matching series, summed over processes. */
  total(metric: string, match: Attributes = {}): number {
    let total = 0;
    for (const p of this.latest.values()) if (p.metric === metric && matches(p.attributes, match)) total += p.value;
    return total;
  }

  /** A counter's totals by one attribute's values. */
  totalsBy(metric: string, attribute: string, match: Attributes = {}): Record<string, number> {
    const out: Record<string, number> = {};
    for (const p of this.latest.values()) {
      if (p.metric !== metric || !matches(p.attributes, match)) continue;
      const key = String(p.attributes[attribute] ?? '');
      out[key] = (out[key] ?? 0) + p.value;
    }
    return out;
  }

  /** A gauge's latest value per attribute value (the newest point across processes). */
  gaugeBy(metric: string, attribute: string): Record<string, number> {
    const newest = new Map<string, StoredPoint>();
    for (const p of this.latest.values()) {
      if (p.metric !== metric) continue;
      const key = String(p.attributes[attribute] ?? '');
      const seen = newest.get(key);
      if (seen === undefined || seen.timeMs < p.timeMs) newest.set(key, p);
    }
    return Object.fromEntries([...newest].map(([k, p]) => [k, p.value]));
  }

  /** A histogram's buckets, summed over series and processes (same bounds assumed, as metric-names.ts sets them). */
  histogram(metric: string, match: Attributes = {}): MergedHistogram | undefined {
    let merged: { count: number; sum: number; bounds: readonly number[]; counts: number[] } | undefined;
    for (const p of this.latest.values()) {
      if (p.metric !== metric || p.histogram === undefined || !matches(p.attributes, match)) continue;
      merged ??= { count: 0, sum: 0, bounds: p.histogram.bounds, counts: p.histogram.counts.map(() => 0) };
      if (merged.counts.length !== p.histogram.counts.length) continue;
      merged.count += p.value;
      merged.sum += p.histogram.sum;
      p.histogram.counts.forEach((c, i) => (merged!.counts[i]! += c));
    }
    return merged;
  }

  history(): readonly HistoryEntry[] {
    return this.historyRing;
  }
}

/** The q-quantile (0..1) of a bucketed histogram, interpolated linearly inside its bucket. */
export function quantile(h: MergedHistogram | undefined, q: number): number | undefined {
  if (h === undefined || h.count === 0) return undefined;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : (h.bounds[i - 1] ?? 0);
      const upper = h.bounds[i] ?? lower;
      return lower + (upper - lower) * ((rank - seen) / c);
    }
    seen += c;
  }
  return h.bounds.at(-1);
}
