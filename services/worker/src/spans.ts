// The worker's own steps as spans (decide, issue, seal, deny), children of the message's process
// span, with the request id (no contact, no secret) so `tapctl trace` can find them.
import { SPAN_ATTR, inSpan, inSpanSync } from '@tapline/observability';
import type { Span } from '@tapline/observability';

const TRACER = 'tapline-worker';

export function step<T>(name: string, requestId: string, fn: (span: Span) => Promise<T>): Promise<T> {
  return inSpan(TRACER, name, { attributes: { [SPAN_ATTR.requestId]: requestId } }, fn);
}

export function stepSync<T>(name: string, requestId: string, fn: (span: Span) => T): T {
  return inSpanSync(TRACER, name, { attributes: { [SPAN_ATTR.requestId]: requestId } }, fn);
}
