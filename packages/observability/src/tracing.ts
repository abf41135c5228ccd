// Spans for the pipeline's own steps, and W3C trace context in and out of messages and HTTP
// headers. Service Bus messages carry it as application properties the way the Azure SDK's own
// tracing writes them: `Diagnostic-Id` (the traceparent value) beside `traceparent`/`tracestate`.
import { context, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, TextMapGetter, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { LINKED_TRACE_PROPERTY } from '@tapline/domain';

export { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
export type { Attributes, Context, Span } from '@opentelemetry/api';

/** Span attribute keys of our own (the semantic conventions' names are used where they exist). */
export const SPAN_ATTR = {
  requestId: 'tap.request_id',
  attempt: 'tap.attempt',
  outcome: 'tap.outcome',
  reason: 'tap.reason',
  channel: 'tap.channel',
  messageId: 'messaging.message.id',
  deliveryCount: 'messaging.servicebus.message.delivery_count',
  destination: 'messaging.destination.name',
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
} as const;

let contextReady = false;

/** The context manager and the W3C propagator: always on, so trace context flows without export. */
export function ensureTraceContext(): void {
  if (contextReady) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  contextReady = true;
}

const tracers = new Map<string, Tracer>();

/**
 * The tracer of this name, kept: asking the API each time checks the global registration and
 * builds the provider's key on every span. Forgotten when telemetry starts or stops (forgetTracers),
 * since a tracer taken from one provider is not the next one's.
 */
export function tracer(name: string): Tracer {
  let kept = tracers.get(name);
  if (kept === undefined) {
    kept = trace.getTracer(name);
    tracers.set(name, kept);
  }
  return kept;
}

export function forgetTracers(): void {
  tracers.clear();
}

type Carrier = Readonly<Record<string, unknown>>;

const carrierGetter: TextMapGetter<Carrier> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key] ?? (key === 'traceparent' ? carrier['Diagnostic-Id'] : undefined);
    return typeof value === 'string' ? value : undefined;
  },
};

/** The trace context in a message's application properties or a header map (absent: the root). */
export function extractContext(carrier: Carrier | undefined): Context {
  ensureTraceContext();
  return carrier === undefined ? ROOT_CONTEXT : propagation.extract(ROOT_CONTEXT, carrier, carrierGetter);
}

/** The link a consumer's span carries when the message names an earlier trace; none otherwise. */
export function linksFrom(carrier: Carrier | undefined): Link[] {
  const linked = carrier?.[LINKED_TRACE_PROPERTY];
  if (typeof linked !== 'string') return [];
  const ids = trace.getSpanContext(extractContext({ traceparent: linked }));
  return ids !== undefined && isSpanContextValid(ids) ? [{ context: ids, attributes: { 'tap.link': 'reissue_of' } }] : [];
}

/** `traceparent`, `tracestate` and `Diagnostic-Id` for the active (or given) context; {} outside a trace. */
export function contextProperties(ctx: Context = context.active()): Record<string, string> {
  ensureTraceContext();
  const out: Record<string, string> = {};
  propagation.inject(ctx, out);
  if (out.traceparent !== undefined) out['Diagnostic-Id'] = out.traceparent;
  return out;
}

/** The active span's ids, for log lines (`trace_id`, `span_id`); {} outside a trace. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const ids = span.spanContext();
  // With no SDK, a span started without a parent carries the all-zero context: no ids then.
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

export interface SpanOptions {
  readonly kind?: SpanKind;
  readonly attributes?: Attributes;
  /** Parent context (default: the active one). */
  readonly parent?: Context;
  readonly links?: Link[];
}

/**
 * Runs `fn` inside a new active span; a throw marks the span as an error (the exception's type
 * only: messages can carry input) and rethrows.
 */
export async function inSpan<T>(tracerName: string, name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  return tracer(tracerName).startActiveSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes && { attributes: options.attributes }), ...(options.links && { links: options.links }) },
    parent,
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        markError(span, err);
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

export function markError(span: Span, err: unknown): void {
  const type = err instanceof Error ? (err.name === 'Error' ? err.constructor.name : err.name) : typeof err;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/** `inSpan` for synchronous work (sealing). */
export function inSpanSync<T>(tracerName: string, name: string, options: SpanOptions, fn: (span: Span) => T): T {
  const parent = options.parent ?? context.active();
  return tracer(tracerName).startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes && { attributes: options.attributes }) }, parent, (span) => {
    try {
      return fn(span);
    } catch (err) {
      markError(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}
