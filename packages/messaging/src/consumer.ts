// The consumer loop shared by the worker and the notifier: subscribe without auto-complete,
// decode and handle inside one try, settle in one place, stop within a deadline.

import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { ServiceBus } from './bus.js';
import { newCounters } from './counters.js';
import type { ConsumerCounters } from './counters.js';
import { isDeadLetterReason, isPermanent } from '@tapline/domain';
import type { Logger } from './logger.js';
import { attemptOf } from './messages.js';
import type { InboundMessage } from './messages.js';
import type { Outcome } from './outcome.js';
import { oneDispositionAtATime } from './one-disposition-at-a-time.js';
import { errorSummary, settle } from './settle.js';
import { tracedProcess } from './telemetry.js';
import { SPAN_ATTR, SpanStatusCode } from '@tapline/observability';
import type { Span } from '@tapline/observability';
import type { SettleDeps } from './settle.js';

export interface HandlerContext {
  /** Child logger bound to messageId, correlationId, deliveryCount and attempt. */
  readonly logger: Logger;
  /** Delayed-retry attempt of this message (1 for the original). */
  readonly attempt: number;
  readonly message: InboundMessage;
  /** Aborted when `stop()` passes its deadline: wrap up, the message will be redelivered. */
  readonly signal: AbortSignal;
}

export interface ConsumerOptions<T> {
  readonly bus: ServiceBus;
  readonly queue: string;
  readonly maxConcurrentCalls: number;
  /** Turns the raw message into the handler's input; throwing means the message is poison. */
  readonly decode: (message: InboundMessage) => T;
  readonly handle: (decoded: T, ctx: HandlerContext) => Promise<Outcome>;
  readonly logger: Logger;
  /** How long the SDK keeps renewing a message's lock while its handler runs (default 5 min). */
  readonly lockRenewal?: { readonly maxDurationMs: number };
  readonly now?: () => Date;
}

export interface StopResult {
  /** True when every in-flight handler finished before the deadline. */
  readonly drained: boolean;
  /** Handlers still running at the deadline (their messages return after the lock expires). */
  readonly unfinished: number;
}

export interface Consumer {
  readonly queue: string;
  readonly counters: Readonly<ConsumerCounters>;
  /** Stop receiving, wait for in-flight handlers up to the deadline, close the receiver. */
  stop(options?: { readonly deadlineMs?: number }): Promise<StopResult>;
}

export function toInboundMessage(m: ServiceBusReceivedMessage): InboundMessage {
  return {
    messageId: String(m.messageId ?? ''),
    ...(m.correlationId !== undefined && { correlationId: String(m.correlationId) }),
    ...(m.contentType !== undefined && { contentType: m.contentType }),
    ...(m.subject !== undefined && { subject: m.subject }),
    body: m.body,
    applicationProperties: m.applicationProperties ?? {},
    deliveryCount: m.deliveryCount ?? 0,
    ...(m.enqueuedTimeUtc !== undefined && { enqueuedTimeUtc: m.enqueuedTimeUtc }),
    ...(m.expiresAtUtc !== undefined && { expiresAtUtc: m.expiresAtUtc }),
  };
}

/** A thrown error that is not the handler's decision: taxonomy errors map, bugs abandon. */
function outcomeForThrown(err: unknown): Outcome {
  if (isPermanent(err) && isDeadLetterReason(err.reason)) {
    return { kind: 'deadLetter', reason: err.reason, description: `${err.reason}: ${err.message}` };
  }
  return { kind: 'abandon', error: err };
}

/** The settlement on the span (a dead letter is an error with its reason); the error.type, if any. */
function recordOutcome(span: Span, outcome: Outcome): string | undefined {
  span.setAttribute(SPAN_ATTR.outcome, outcome.kind);
  if (outcome.kind === 'complete') return undefined;
  if (outcome.kind === 'deadLetter') {
    span.setAttribute(SPAN_ATTR.reason, outcome.reason);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `dead-lettered: ${outcome.reason}` });
    return 'dead_letter';
  }
  if (outcome.kind === 'abandon') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'abandoned' });
    return 'abandon';
  }
  return 'retry';
}

export function startConsumer<T>(options: ConsumerOptions<T>): Consumer {
  const { bus, queue, logger } = options;
  const now = options.now ?? (() => new Date());
  const counters = newCounters();
  const receiver = bus.client.createReceiver(queue, {
    receiveMode: 'peekLock',
    ...(options.lockRenewal && { maxAutoLockRenewalDurationInMs: options.lockRenewal.maxDurationMs }),
  });
  const settlingReceiver = oneDispositionAtATime(receiver);
  const retrySender = bus.client.createSender(queue);
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let stopping = false;

  async function handleOne(sbMessage: ServiceBusReceivedMessage): Promise<void> {
    counters.received += 1;
    const message = toInboundMessage(sbMessage);
    const attempt = attemptOf(message);
    await tracedProcess(queue, message.applicationProperties, {
      [SPAN_ATTR.messageId]: message.messageId,
      [SPAN_ATTR.deliveryCount]: message.deliveryCount,
      [SPAN_ATTR.attempt]: attempt,
      ...(message.correlationId !== undefined && { [SPAN_ATTR.requestId]: message.correlationId }),
    }, async (span) => {
      const log = logger.child({
        messageId: message.messageId,
        ...(message.correlationId !== undefined && { correlationId: message.correlationId }),
        deliveryCount: message.deliveryCount,
        attempt,
        queue,
      });
      let outcome: Outcome;
      let decoded: { value: T } | undefined;
      try {
        decoded = { value: options.decode(message) };
        outcome = await options.handle(decoded.value, { logger: log, attempt, message, signal: abort.signal });
      } catch (err) {
        outcome = decoded === undefined
          ? { kind: 'deadLetter', reason: 'InvalidMessage', description: `undecodable message: ${errorSummary(err).message as string}` }
          : outcomeForThrown(err);
      }
      const deps: SettleDeps = { receiver: settlingReceiver, retrySender, counters, logger: log, now };
      await settle(deps, sbMessage, outcome);
      return recordOutcome(span, outcome);
    });
  }

  const subscription = receiver.subscribe(
    {
      processMessage: async (sbMessage) => {
        const work = handleOne(sbMessage);
        inFlight.add(work);
        try {
          await work;
        } finally {
          inFlight.delete(work);
        }
      },
      processError: async (args) => {
        counters.receiveErrors += 1;
        logger.warn({ event: 'consumer.receive_error', queue, source: args.errorSource, err: errorSummary(args.error) }, 'receive error');
        await Promise.resolve();
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: options.maxConcurrentCalls },
  );
  logger.info({ event: 'consumer.started', queue, maxConcurrentCalls: options.maxConcurrentCalls }, 'consumer started');

  return {
    queue,
    counters,
    async stop({ deadlineMs = 30_000 } = {}) {
      if (stopping) return { drained: inFlight.size === 0, unfinished: inFlight.size };
      stopping = true;
      const deadline = Date.now() + deadlineMs;
      await subscription.close(); // stops the credit; in-flight messages keep their link to settle
      let timer: NodeJS.Timeout | undefined;
      const timeUp = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
      });
      const drained = (await Promise.race([Promise.all([...inFlight]).then(() => 'drained' as const), timeUp])) === 'drained';
      clearTimeout(timer);
      const unfinished = inFlight.size;
      if (!drained) abort.abort();
      await receiver.close();
      await retrySender.close();
      logger.info({ event: 'consumer.stopped', queue, drained, unfinished, counters: { ...counters } }, 'consumer stopped');
      return { drained, unfinished };
    },
  };
}
