// POST /api/tap-requests: authenticate, validate, enqueue, answer 202. Nothing else happens here
// (no Graph call, no storage write): the relay waits for this answer, and the worker decides.
// Order matters: the token is checked before the body is read, so an anonymous caller cannot
// probe the parser, and the body is bounded before it is parsed.
// One log line per request, fields gathered as we go (no child logger per request: cheaper, and
// the line carries everything: invocation, caller, request, outcome, duration).
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { decodeExtensionEvent, isHandledRequest } from '@tapline/domain';
import type { AssignmentRequestEvent } from '@tapline/domain';
import { SPAN_ATTR, SpanKind, contextProperties, extractContext, inSpan } from '@tapline/observability';
import type { Span } from '@tapline/observability';
import { logEvents } from '../logs.js';
import type { IntakePorts } from '../ports.js';
import { toOutgoingRequest } from '../queue/tap-request-message.js';
import { authFailureResponse } from './auth-response.js';
import { classifyEnqueueError } from './enqueue-error.js';
import { isJsonContentType, readJsonBody } from './json-body.js';
import { internalError, invalidRequest, payloadTooLarge, serviceUnavailable, unsupportedMediaType } from './problem.js';

export type AnswerStatus = 'accepted' | 'ignored';

const TRACER = 'tapline-intake';

export function createTapRequestHandler(ports: IntakePorts): HttpHandler {
  const { authenticator, sender, metrics, settings, clock, logger } = ports;

  // One SERVER span per call, continuing the caller's trace (the relay's `traceparent`, or the
  // Functions host's trace context). Its context rides in the message, so the worker's spans join
  // the same trace. The enqueue itself is the Azure SDK's send span, one per batch, linked to every
  // message it carried: no span of our own per message, the intake's one span per request (a
  // second one cost the intake about 7 % of its throughput, docs/benchmarks.md).
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const parent = extractContext({
      traceparent: request.headers.get('traceparent') ?? context.traceContext?.traceParent ?? undefined,
      tracestate: request.headers.get('tracestate') ?? undefined,
    });
    return inSpan(TRACER, 'POST /api/tap-requests', { kind: SpanKind.SERVER, parent, attributes: { 'http.request.method': 'POST', 'http.route': '/api/tap-requests' } }, async (span) => {
      const response = await handle(request, context, span);
      span.setAttribute('http.response.status_code', response.status ?? 200);
      return response;
    });
  };

  async function handle(request: HttpRequest, context: InvocationContext, span: Span): Promise<HttpResponseInit> {
    const started = performance.now();
    const fields: Record<string, unknown> = { invocationId: context.invocationId };
    const elapsed = () => Math.round((performance.now() - started) * 100) / 100;

    const invalid = (reason: string, response: HttpResponseInit, field?: string): HttpResponseInit => {
      metrics.requestHandled('invalid', { reason });
      logger.warn({ ...fields, event: logEvents.requestInvalid, reason, status: response.status, ...(field === undefined ? {} : { field }) }, 'request refused');
      return response;
    };
    const ignore = (why: { reason: string; stage?: string; requestType?: string }, requestId: string | null): HttpResponseInit => {
      metrics.requestHandled('ignored', why);
      logger.info({ ...fields, event: logEvents.requestIgnored, ...why }, 'request not enqueued');
      return answer(requestId, 'ignored');
    };

    const auth = await authenticator.authenticate(request.headers.get('authorization'));
    if (!auth.ok) {
      if (auth.kind === 'unavailable') {
        metrics.requestHandled('unavailable', { reason: auth.reason });
        logger.warn({ ...fields, event: logEvents.authKeysUnavailable, durationMs: elapsed() }, 'signing keys unavailable');
      } else {
        metrics.requestHandled(auth.kind === 'forbidden' ? 'forbidden' : 'unauthenticated', { reason: auth.reason });
        logger.warn(
          { ...fields, event: logEvents.authRejected, reason: auth.reason, ...(auth.kind === 'forbidden' ? { callerAppId: auth.callerAppId } : {}) },
          'caller rejected',
        );
      }
      return authFailureResponse(auth, settings.retryAfterSeconds);
    }
    fields.callerAppId = auth.caller.appId;

    if (!isJsonContentType(request.headers.get('content-type'))) {
      return invalid('unsupported_media_type', unsupportedMediaType());
    }
    const body = await readJsonBody(request, settings.bodyLimitBytes);
    if (!body.ok) {
      return body.reason === 'too_large'
        ? invalid('too_large', payloadTooLarge(settings.bodyLimitBytes))
        : invalid('unparsable', invalidRequest('(body)', body.detail));
    }
    const decoded = decodeExtensionEvent(body.value);
    if (!decoded.ok) {
      const { field, message } = decoded.error;
      return invalid('contract', invalidRequest(field, `${field} ${message}.`), field);
    }

    const event = decoded.event;
    if (event.kind === 'connectionTest') return ignore({ reason: 'connectionTest' }, null);
    fields.requestId = event.requestId;
    span.setAttribute(SPAN_ATTR.requestId, event.requestId);
    fields.stageInstanceId = event.stageInstanceId;
    if (event.kind === 'preExpiration') return ignore({ reason: 'unhandledStage', stage: event.stage }, event.requestId);
    const unhandled = unhandledReason(event, settings);
    if (unhandled !== undefined) {
      return ignore({ reason: unhandled, stage: event.stage, requestType: event.requestType }, event.requestId);
    }

    try {
      const queue = settings.queueName ?? 'tap-requests';
      try {
        await sender.send(toOutgoingRequest(event, { receivedAt: clock(), trace: contextProperties() }));
        metrics.messageSent(queue);
      } catch (error) {
        metrics.messageSent(queue, error instanceof Error ? error.name : 'unknown');
        throw error;
      }
    } catch (error) {
      const failure = classifyEnqueueError(error);
      if (failure.retryable) {
        metrics.requestHandled('unavailable', { reason: 'queue_unavailable' });
        logger.warn({ ...fields, event: logEvents.enqueueUnavailable, error: failure.summary, durationMs: elapsed() }, 'tap-requests unavailable');
        return serviceUnavailable(settings.retryAfterSeconds, 'The request queue is unavailable; retry later.');
      }
      metrics.requestHandled('failed', { reason: 'enqueue_failed' });
      logger.error({ ...fields, event: logEvents.enqueueFailed, error: failure.summary, durationMs: elapsed() }, 'enqueue failed');
      return internalError();
    }

    metrics.requestHandled('accepted', { stage: event.stage, requestType: event.requestType });
    logger.info({ ...fields, event: logEvents.requestAccepted, stage: event.stage, durationMs: elapsed() }, 'request accepted');
    return answer(event.requestId, 'accepted');
  }
}

function unhandledReason(event: AssignmentRequestEvent, settings: IntakePorts['settings']): 'unhandledStage' | 'unhandledRequestType' | undefined {
  if (isHandledRequest(settings.handled, event.requestType, event.stage)) return undefined;
  return settings.handled.stages.includes(event.stage) ? 'unhandledRequestType' : 'unhandledStage';
}

function answer(requestId: string | null, status: AnswerStatus): HttpResponseInit {
  return {
    status: 202,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ requestId, status }),
  };
}
