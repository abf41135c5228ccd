import type { Settlement } from '../queue/queue.js';
import { CONDITION } from './errors.js';

interface ModifiedOutcome {
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
}

interface RejectedOutcome {
  error?: { condition?: string; description?: string; info?: Record<string, unknown> };
}

/**
 * What the SDK means by each disposition on a peek-locked delivery (reference section 2):
 * accepted = complete; modified = abandon, or defer with undeliverable-here; rejected with
 * com.microsoft:dead-letter = dead-letter; released = abandon.
 */
export function settlementFromOutcome(outcome: string, state: unknown): Settlement {
  switch (outcome) {
    case 'accepted':
      return { kind: 'complete' };
    case 'modified': {
      const modified = (state ?? {}) as ModifiedOutcome;
      const properties = modified.message_annotations ?? undefined;
      return modified.undeliverable_here ? { kind: 'defer', properties } : { kind: 'abandon', properties };
    }
    case 'rejected': {
      const error = ((state ?? {}) as RejectedOutcome).error;
      if (error?.condition === CONDITION.deadLetter) {
        const { DeadLetterReason, DeadLetterErrorDescription, ...properties } = error.info ?? {};
        return {
          kind: 'deadLetter',
          reason: asText(DeadLetterReason),
          description: asText(DeadLetterErrorDescription),
          properties,
        };
      }
      // A plain AMQP reject: dead-letter with what the client said (best guess; the SDK never sends one).
      return { kind: 'deadLetter', reason: error?.condition, description: error?.description };
    }
    default:
      return { kind: 'abandon' };
  }
}

/** The `$management` update-disposition request in the same terms. */
export function settlementFromStatus(body: Record<string, unknown>): Settlement | undefined {
  const properties = body['properties-to-modify'] as Record<string, unknown> | undefined;
  switch (body['disposition-status']) {
    case 'completed':
      return { kind: 'complete' };
    case 'abandoned':
      return { kind: 'abandon', properties };
    case 'defered':
    case 'deferred':
      return { kind: 'defer', properties };
    case 'suspended':
      return {
        kind: 'deadLetter',
        reason: asText(body['deadletter-reason']),
        description: asText(body['deadletter-description']),
        properties,
      };
    default:
      return undefined;
  }
}

function asText(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
