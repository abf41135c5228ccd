// The messaging spans and semantic-convention metrics, in one place for the sender and the
// consumer: a PRODUCER span per send whose context rides in the message's application properties,
// a CONSUMER span per delivery whose parent is that context, so one trace spans every hop.
import { ATTR, MESSAGING_SYSTEM, METRICS, SPAN_ATTR, SpanKind, context, contextProperties, createRecorder, extractContext, inSpan, linksFrom, trace } from '@tapline/observability';
import type { Attributes, Span } from '@tapline/observability';
import type { PropertyValue } from './messages.js';

export const TRACER = '@tapline/messaging';
export const recorder = createRecorder(TRACER);

export function messagingAttributes(queue: string, operation: 'send' | 'process'): Attributes {
  return {
    [SPAN_ATTR.system]: MESSAGING_SYSTEM,
    [SPAN_ATTR.destination]: queue,
    [SPAN_ATTR.operationName]: operation,
    [SPAN_ATTR.operationType]: operation,
  };
}

/**
 * Sends inside a PRODUCER span and hands `send` the properties with that span's context. The
 * parent is the active span (a worker publishing a delivery); with none, the message's own
 * context, so a replayed message (tapctl) continues the trace it came from.
 */
export async function tracedSend(
  queue: string, properties: Readonly<Record<string, PropertyValue>> | undefined, send: (properties: Record<string, PropertyValue>) => Promise<void>,
): Promise<void> {
  const parent = trace.getActiveSpan() !== undefined ? context.active() : extractContext(properties);
  const metricAttributes = { [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.messagingDestination]: queue, [ATTR.messagingOperationName]: 'send' };
  try {
    await inSpan(TRACER, `send ${queue}`, { kind: SpanKind.PRODUCER, parent, attributes: messagingAttributes(queue, 'send') }, async () => {
      await send({ ...properties, ...contextProperties() });
    });
    recorder.add(METRICS.messagingSent, metricAttributes);
  } catch (err) {
    recorder.add(METRICS.messagingSent, { ...metricAttributes, [ATTR.errorType]: err instanceof Error ? err.name : 'unknown' });
    throw err;
  }
}

/**
 * Runs one delivery inside a CONSUMER span continuing the trace the message carries; a message
 * that starts a new trace for an earlier one (a re-issue) opens a new trace linked to that one.
 */
export async function tracedProcess(
  queue: string, properties: Readonly<Record<string, unknown>>, attributes: Attributes, fn: (span: Span) => Promise<string | undefined>,
): Promise<void> {
  const metricAttributes = { [ATTR.messagingSystem]: MESSAGING_SYSTEM, [ATTR.messagingDestination]: queue, [ATTR.messagingOperationName]: 'process' };
  recorder.add(METRICS.messagingConsumed, metricAttributes);
  const started = performance.now();
  let errorType: string | undefined;
  try {
    await inSpan(TRACER, `process ${queue}`, {
      kind: SpanKind.CONSUMER,
      parent: extractContext(properties),
      links: linksFrom(properties),
      attributes: { ...messagingAttributes(queue, 'process'), ...attributes },
    }, async (span) => {
      errorType = await fn(span);
    });
  } finally {
    recorder.record(METRICS.messagingProcessDuration, (performance.now() - started) / 1000, {
      ...metricAttributes, ...(errorType !== undefined && { [ATTR.errorType]: errorType }),
    });
  }
}
