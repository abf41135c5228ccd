import { z } from 'zod';
import { type AssignmentRequestEvent, REQUEST_STAGES, REQUEST_TYPES, callbackUriPathSchema } from './extension-event.js';
import { guidSchema } from './guid.js';
import { type MessageDecodeResult, SCHEMA_VERSION, decodeMessage, encodeMessage } from './message-codec.js';

/** W3C trace context, so one trace spans intake -> worker -> notifier. */
export const TRACEPARENT_PATTERN = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The application property a message carries when it starts a new trace on behalf of an earlier
 * one (a re-issue: new work, decided again, maybe days later): the earlier trace's traceparent.
 * The consumer's span links to it instead of continuing it.
 */
export const LINKED_TRACE_PROPERTY = 'tapline-linked-traceparent';

/** `{ [LINKED_TRACE_PROPERTY]: traceparent }` naming a message's own trace context; {} when it has none. */
export function linkedTraceProperties(properties: Readonly<Record<string, unknown>> | undefined): Record<string, string> {
  const own = properties?.traceparent ?? properties?.['Diagnostic-Id'];
  return typeof own === 'string' && TRACEPARENT_PATTERN.test(own) && !/^00-0{32}-|-0{16}-/.test(own) ? { [LINKED_TRACE_PROPERTY]: own } : {};
}

export const MAX_ATTEMPT = 1000;

export const callbackSchema = z.object({
  uriPath: callbackUriPathSchema,
  stage: z.enum(REQUEST_STAGES),
  stageInstanceId: guidSchema,
});
export type CallbackRef = z.output<typeof callbackSchema>;

/** Queue tap-requests: intake -> worker. Only ids travel; the worker reads every fact from Graph. */
export const tapRequestMessageSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  requestId: guidSchema,
  stageInstanceId: guidSchema,
  stage: z.enum(REQUEST_STAGES),
  requestType: z.enum(REQUEST_TYPES),
  requestorId: guidSchema,
  targetId: guidSchema,
  accessPackageId: guidSchema,
  callback: callbackSchema.optional(),
  receivedAt: z.iso.datetime({ offset: true }),
  /** 1 for the intake's message; n + 1 on the delayed retry after attempt n. */
  attempt: z.number().int().min(1).max(MAX_ATTEMPT),
  traceparent: z.string().regex(TRACEPARENT_PATTERN, { error: 'must be a W3C traceparent' }).optional(),
});
export type TapRequestMessage = z.output<typeof tapRequestMessageSchema>;

// The intake validates every message it encodes (once per call-out): z.compile makes that one
// generated function, about a third of the time and allocation of zod's per-node parse. Anything the
// compiled path rejects is parsed again by zod's own parser, so errors are unchanged.
const compiledTapRequestMessageSchema = z.compile(tapRequestMessageSchema);

export function encodeTapRequest(message: TapRequestMessage): string {
  return encodeMessage(compiledTapRequestMessageSchema, message, 'TapRequestMessage');
}

export function decodeTapRequest(body: unknown): MessageDecodeResult<TapRequestMessage> {
  return decodeMessage(compiledTapRequestMessageSchema, body);
}

/** The intake's message for a call-out (attempt 1). The callback is kept only for launch-and-wait. */
export function tapRequestFromEvent(event: AssignmentRequestEvent, options: { receivedAt: Date; traceparent?: string }): TapRequestMessage {
  return {
    schemaVersion: SCHEMA_VERSION,
    requestId: event.requestId,
    stageInstanceId: event.stageInstanceId,
    stage: event.stage,
    requestType: event.requestType,
    requestorId: event.requestor.objectId,
    targetId: event.target.objectId,
    accessPackageId: event.accessPackage.id,
    ...(event.callbackUriPath !== undefined && {
      callback: { uriPath: event.callbackUriPath, stage: event.stage, stageInstanceId: event.stageInstanceId },
    }),
    receivedAt: options.receivedAt.toISOString(),
    attempt: 1,
    ...(options.traceparent !== undefined && { traceparent: options.traceparent }),
  };
}

/** The delayed-retry copy of a request message. */
export function nextAttempt(message: TapRequestMessage): TapRequestMessage {
  return { ...message, attempt: message.attempt + 1 };
}
