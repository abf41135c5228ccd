// The notifier's own steps as spans (deliver, send, resume, confirm), children of the message's
// process span, with the request id (no contact, no secret) so `tapctl trace` can find them.
import { SPAN_ATTR, inSpan } from '@tapline/observability';
import type { Attributes, Span } from '@tapline/observability';

const TRACER = 'tapline-notifier';

export function step<T>(name: string, requestId: string, fn: (span: Span) => Promise<T>, attributes: Attributes = {}): Promise<T> {
  return inSpan(TRACER, name, { attributes: { [SPAN_ATTR.requestId]: requestId, ...attributes } }, fn);
}
