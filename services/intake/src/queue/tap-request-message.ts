// From a decoded call-out to what goes on `tap-requests`: the domain's TapRequestMessage (only ids;
// the worker reads every fact from Graph), the message id that makes duplicate detection drop
// Entra's and the relay's retries, and the trace context for the next hop.
import { encodeTapRequest, requestMessageId, tapRequestFromEvent } from '@tapline/domain';
import type { AssignmentRequestEvent } from '@tapline/domain';
import type { ApplicationPropertyValue, OutgoingRequest } from './request-queue.js';

/**
 * `trace`: the enqueue span's context as message properties (`traceparent`, `tracestate`, and
 * `Diagnostic-Id`, the name the Azure SDKs' own tracing reads); the body keeps the traceparent too.
 */
export function toOutgoingRequest(event: AssignmentRequestEvent, options: { receivedAt: Date; trace: Readonly<Record<string, string>> }): OutgoingRequest {
  const traceparent = options.trace.traceparent;
  const message = tapRequestFromEvent(event, { receivedAt: options.receivedAt, ...(traceparent !== undefined && { traceparent }) });
  const applicationProperties: Record<string, ApplicationPropertyValue> = { ...options.trace };
  return {
    messageId: requestMessageId(event.stageInstanceId, message.attempt),
    correlationId: event.requestId,
    // Validates against the contract: an invalid message is our bug and is never sent.
    body: encodeTapRequest(message),
    applicationProperties,
  };
}
