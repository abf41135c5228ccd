// From a decoded call-out to what goes on `tap-requests`: the domain's TapRequestMessage (only ids;
// the worker reads every fact from Graph), the message id that makes duplicate detection drop
// Entra's and the relay's retries, and the trace context for the next hop.
import { encodeTapRequest, requestMessageId, tapRequestFromEvent } from '@tapline/domain';
import type { AssignmentRequestEvent } from '@tapline/domain';
import type { TraceContext } from '../trace-context.js';
import type { ApplicationPropertyValue, OutgoingRequest } from './request-queue.js';

export function toOutgoingRequest(event: AssignmentRequestEvent, options: { receivedAt: Date; trace: TraceContext }): OutgoingRequest {
  const message = tapRequestFromEvent(event, { receivedAt: options.receivedAt, traceparent: options.trace.traceparent });
  const applicationProperties: Record<string, ApplicationPropertyValue> = {
    traceparent: options.trace.traceparent,
    // The Azure SDKs' own tracing reads this name; same value, so either instrumentation links up.
    'Diagnostic-Id': options.trace.traceparent,
  };
  if (options.trace.tracestate !== undefined) applicationProperties.tracestate = options.trace.tracestate;
  return {
    messageId: requestMessageId(event.stageInstanceId, message.attempt),
    correlationId: event.requestId,
    // Validates against the contract: an invalid message is our bug and is never sent.
    body: encodeTapRequest(message),
    applicationProperties,
  };
}
