// OTLP/HTTP with JSON bodies, as @opentelemetry/exporter-*-otlp-http send them
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids as hex strings, times
// as decimal strings of nanoseconds, attributes as {key, value: {stringValue|intValue|...}}.
// Decoded into flat records; anything unexpected is skipped, never thrown on.

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number;
  readonly service: string;
  readonly scope: string;
  /** Milliseconds since the epoch (fractional). */
  readonly startMs: number;
  readonly endMs: number;
  readonly attributes: Attributes;
  /** 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string };
  readonly events: readonly { readonly name: string; readonly timeMs: number; readonly attributes: Attributes }[];
  /** Other spans this one links to (a re-issue's first span links to the trace it re-issues). */
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Attributes }[];
}

export type PointKind = 'sum' | 'gauge' | 'histogram';

export interface StoredPoint {
  readonly metric: string;
  readonly unit: string;
  readonly kind: PointKind;
  readonly service: string;
  /** The exporting process (resource `service.instance.id`): cumulative points add up across these. */
  readonly instance: string;
  readonly attributes: Attributes;
  readonly timeMs: number;
  /** sum and gauge: the value; histogram: the count. */
  readonly value: number;
  readonly histogram?: { readonly sum: number; readonly bounds: readonly number[]; readonly counts: readonly number[] };
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN);
const nanosToMs = (v: unknown): number => num(v) / 1e6;

function anyValue(v: unknown): AttributeValue | undefined {
  if (!isObject(v)) return undefined;
  if (typeof v.stringValue === 'string') return v.stringValue;
  if (typeof v.boolValue === 'boolean') return v.boolValue;
  if (v.intValue !== undefined) return num(v.intValue);
  if (v.doubleValue !== undefined) return num(v.doubleValue);
  if (isObject(v.arrayValue)) return JSON.stringify(list(v.arrayValue.values).map(anyValue));
  return undefined;
}

export function attributesOf(raw: unknown): Attributes {
  const out: Attributes = {};
  for (const kv of list(raw)) {
    if (!isObject(kv) || typeof kv.key !== 'string') continue;
    const value = anyValue(kv.value);
    if (value !== undefined) out[kv.key] = value;
  }
  return out;
}

function resourceOf(raw: unknown): { service: string; instance: string } {
  const attributes = attributesOf(isObject(raw) ? raw.attributes : undefined);
  const service = String(attributes['service.name'] ?? 'unknown');
  return { service, instance: String(attributes['service.instance.id'] ?? service) };
}

export function decodeTraces(body: unknown): StoredSpan[] {
  const spans: StoredSpan[] = [];
  for (const rs of list(isObject(body) ? body.resourceSpans : undefined)) {
    if (!isObject(rs)) continue;
    const { service } = resourceOf(rs.resource);
    for (const ss of list(rs.scopeSpans)) {
      if (!isObject(ss)) continue;
      const scope = isObject(ss.scope) && typeof ss.scope.name === 'string' ? ss.scope.name : '';
      for (const s of list(ss.spans)) {
        if (!isObject(s) || typeof s.traceId !== 'string' || typeof s.spanId !== 'string') continue;
        const status = isObject(s.status) ? s.status : {};
        spans.push({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(typeof s.parentSpanId === 'string' && s.parentSpanId !== '' && { parentSpanId: s.parentSpanId }),
          name: typeof s.name === 'string' ? s.name : '',
          kind: num(s.kind) || 0,
          service,
          scope,
          startMs: nanosToMs(s.startTimeUnixNano),
          endMs: nanosToMs(s.endTimeUnixNano),
          attributes: attributesOf(s.attributes),
          status: { code: num(status.code) || 0, ...(typeof status.message === 'string' && { message: status.message }) },
          events: list(s.events).filter(isObject).map((e) => ({
            name: typeof e.name === 'string' ? e.name : '', timeMs: nanosToMs(e.timeUnixNano), attributes: attributesOf(e.attributes),
          })),
          links: list(s.links).filter(isObject).flatMap((l) => (typeof l.traceId === 'string' && typeof l.spanId === 'string'
            ? [{ traceId: l.traceId, spanId: l.spanId, attributes: attributesOf(l.attributes) }] : [])),
        });
      }
    }
  }
  return spans;
}

export function decodeMetrics(body: unknown): StoredPoint[] {
  const points: StoredPoint[] = [];
  for (const rm of list(isObject(body) ? body.resourceMetrics : undefined)) {
    if (!isObject(rm)) continue;
    const { service, instance } = resourceOf(rm.resource);
    for (const sm of list(rm.scopeMetrics)) {
      if (!isObject(sm)) continue;
      for (const m of list(sm.metrics)) {
        if (!isObject(m) || typeof m.name !== 'string') continue;
        const base = { metric: m.name, unit: typeof m.unit === 'string' ? m.unit : '', service, instance };
        for (const kind of ['sum', 'gauge', 'histogram'] as const) {
          const data = m[kind];
          if (!isObject(data)) continue;
          for (const p of list(data.dataPoints)) {
            if (!isObject(p)) continue;
            const common = { ...base, kind, attributes: attributesOf(p.attributes), timeMs: nanosToMs(p.timeUnixNano) };
            if (kind === 'histogram') {
              points.push({
                ...common,
                value: num(p.count),
                histogram: { sum: num(p.sum), bounds: list(p.explicitBounds).map(num), counts: list(p.bucketCounts).map(num) },
              });
            } else {
              points.push({ ...common, value: p.asDouble !== undefined ? num(p.asDouble) : num(p.asInt) });
            }
          }
        }
      }
    }
  }
  return points;
}
