// The single place where a handler's outcome becomes a broker settlement (STYLE practice 4).

import { DEAD_LETTER_DESCRIPTION_MAX, scrubAndCap } from '@tapline/domain';
import type { ServiceBusMessage, ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSender } from '@azure/service-bus';
import type { ConsumerCounters } from './counters.js';
import type { Logger } from './logger.js';
import { ATTEMPT_PROPERTY, retryMessageId } from './messages.js';
import type { Outcome } from './outcome.js';

/** The domain's cap on a dead-letter description (one definition, so tapctl and the broker agree). */
export const MAX_DESCRIPTION = DEAD_LETTER_DESCRIPTION_MAX;
export const LAST_ERROR_PROPERTY = 'tapline-last-error';

export type SettlingReceiver = Pick<ServiceBusReceiver, 'completeMessage' | 'abandonMessage' | 'deadLetterMessage'>;
export type RetrySender = Pick<ServiceBusSender, 'sendMessages'>;

export interface SettleDeps {
  readonly receiver: SettlingReceiver;
  readonly retrySender: RetrySender;
  readonly counters: ConsumerCounters;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** The scheduled copy for a delayed retry: same body and properties, attempt + 1, deterministic id. */
export function retryCopy(message: ServiceBusReceivedMessage, outcome: Extract<Outcome, { kind: 'retryLater' }>, now: Date): ServiceBusMessage {
  const next = outcome.attempt + 1;
  const due = new Date(now.getTime() + Math.max(0, outcome.delayMs));
  // Keep the original's absolute expiry (a delivery must not outlive its TAP).
  const remaining = message.expiresAtUtc ? message.expiresAtUtc.getTime() - due.getTime() : undefined;
  return {
    body: message.body as unknown,
    messageId: retryMessageId(String(message.messageId), next),
    ...(message.correlationId !== undefined && { correlationId: message.correlationId }),
    ...(message.contentType !== undefined && { contentType: message.contentType }),
    ...(message.subject !== undefined && { subject: message.subject }),
    applicationProperties: {
      ...message.applicationProperties,
      [ATTEMPT_PROPERTY]: next,
      [LAST_ERROR_PROPERTY]: scrubAndCap(outcome.lastError, 256),
    },
    scheduledEnqueueTimeUtc: due,
    ...(remaining !== undefined && { timeToLive: Math.max(1, remaining) }),
  };
}

export async function settle(deps: SettleDeps, message: ServiceBusReceivedMessage, outcome: Outcome): Promise<void> {
  const { receiver, counters, logger } = deps;
  try {
    switch (outcome.kind) {
      case 'complete':
        await receiver.completeMessage(message);
        counters.completed += 1;
        logger.debug({ event: 'message.completed' }, 'message completed');
        return;
      case 'retryLater': {
        const copy = retryCopy(message, outcome, deps.now());
        try {
          // The copy first: if we die between the two steps, the original comes back and the
          // copy's deterministic id lets duplicate detection drop the second copy.
          await deps.retrySender.sendMessages(copy);
        } catch (err) {
          logger.warn({ event: 'message.retry_copy_failed', err: errorSummary(err) }, 'could not schedule the retry copy; abandoning for redelivery');
          await receiver.abandonMessage(message);
          counters.abandoned += 1;
          return;
        }
        await receiver.completeMessage(message);
        counters.retried += 1;
        logger.info({ event: 'message.retry_scheduled', attempt: outcome.attempt + 1, delayMs: outcome.delayMs, retryMessageId: copy.messageId }, 'retry scheduled');
        return;
      }
      case 'deadLetter': {
        const description = scrubAndCap(outcome.description, MAX_DESCRIPTION);
        await receiver.deadLetterMessage(message, { deadLetterReason: outcome.reason, deadLetterErrorDescription: description });
        counters.deadLettered += 1;
        logger.warn({ event: 'message.dead_lettered', reason: outcome.reason, description }, 'message dead-lettered');
        return;
      }
      case 'abandon':
        await receiver.abandonMessage(message);
        counters.abandoned += 1;
        logger.error({ event: 'message.abandoned', err: errorWithStack(outcome.error) }, 'handler failed unexpectedly; message abandoned');
        return;
    }
  } catch (err) {
    // Lock lost, link gone, broker down: the message comes back after its lock expires.
    counters.settleFailed += 1;
    logger.warn({ event: 'message.settle_failed', outcome: outcome.kind, err: errorSummary(err) }, 'settlement failed; the broker will redeliver');
  }
}

/** Name, code and scrubbed message: enough to diagnose, never a secret. */
export function errorSummary(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: scrubAndCap(String(err), 256) };
  const code = (err as { code?: unknown }).code;
  return { name: err.name, ...(typeof code === 'string' && { code }), message: scrubAndCap(err.message, 512) };
}

export function errorWithStack(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return errorSummary(err);
  // Frames ("    at f (file:line)") hold no data; only the message line needs scrubbing.
  const [head = '', ...frames] = (err.stack ?? '').split('\n');
  const stack = [scrubAndCap(head, 512), ...frames.filter((l) => /^\s+at /.test(l)).slice(0, 30)].join('\n');
  return { ...errorSummary(err), stack };
}
