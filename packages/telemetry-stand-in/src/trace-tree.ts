// A request's spans as a tree (parent before children, siblings by start time), for
// `GET /api/requests/<id>/trace` and `tapctl trace`.
import type { StoredSpan } from './otlp.js';

export interface TraceNode {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly service: string;
  readonly name: string;
  readonly kind: number;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: 'ok' | 'error' | 'unset';
  readonly statusMessage?: string;
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
  /** The traces this span links to (a re-issue's first span: the trace it re-issues). */
  readonly links: readonly { readonly traceId: string; readonly spanId: string; readonly attributes: Readonly<Record<string, string | number | boolean>> }[];
  readonly children: readonly TraceNode[];
}

export function traceTree(spans: readonly StoredSpan[]): TraceNode[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | undefined, StoredSpan[]>();
  for (const span of spans) {
    // A span whose parent was not exported (an outside caller's) is a root here.
    const parent = span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const build = (span: StoredSpan, depth: number): TraceNode => ({
    traceId: span.traceId,
    spanId: span.spanId,
    ...(span.parentSpanId !== undefined && { parentSpanId: span.parentSpanId }),
    service: span.service,
    name: span.name,
    kind: span.kind,
    startedAt: new Date(span.startMs).toISOString(),
    durationMs: Math.round((span.endMs - span.startMs) * 100) / 100,
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    ...(span.status.message !== undefined && { statusMessage: span.status.message }),
    attributes: span.attributes,
    links: span.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: l.attributes })),
    // Bounded: a malformed export with a cycle cannot recurse forever.
    children: depth > 64 ? [] : (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs).map((c) => build(c, depth + 1)),
  });
  return (children.get(undefined) ?? []).sort((a, b) => a.startMs - b.startMs).map((s) => build(s, 0));
}
