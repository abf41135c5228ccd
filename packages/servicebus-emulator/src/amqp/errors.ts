import { QueueError, type QueueErrorCode } from '../queue/message.js';
import { MalformedMessageError } from './sections.js';

/** An AMQP error as it goes on the wire (`rejected`, `detach`, or a `$management` reply). */
export class WireError extends Error {
  constructor(
    readonly condition: string,
    /** `$management` status code for the condition. */
    readonly status: number,
    readonly description: string,
  ) {
    super(description);
    this.name = 'WireError';
  }
}

export const CONDITION = {
  notFound: 'amqp:not-found',
  sizeExceeded: 'amqp:link:message-size-exceeded',
  notImplemented: 'amqp:not-implemented',
  sessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  deadLetter: 'com.microsoft:dead-letter',
} as const;

const BY_CODE: Record<QueueErrorCode, { condition: string; status: number }> = {
  MessageLockLost: { condition: 'com.microsoft:message-lock-lost', status: 410 },
  MessageNotFound: { condition: 'com.microsoft:message-not-found', status: 404 },
  QuotaExceeded: { condition: 'amqp:resource-limit-exceeded', status: 403 },
  InvalidOperation: { condition: 'amqp:not-allowed', status: 400 },
  EntityNotFound: { condition: CONDITION.notFound, status: 404 },
};

/** The one place broker-side failures become AMQP errors. */
export function toWireError(err: unknown): WireError {
  if (err instanceof WireError) return err;
  if (err instanceof QueueError) {
    const { condition, status } = BY_CODE[err.code];
    return new WireError(condition, status, err.message);
  }
  if (err instanceof MalformedMessageError) return new WireError('amqp:decode-error', 400, err.message);
  return new WireError('amqp:internal-error', 500, 'The emulator failed to process the request.');
}

export function wireError(condition: string, status: number, description: string): WireError {
  return new WireError(condition, status, description);
}

/** SDK-recognisable "entity not found" (core-amqp matches this description). */
export function entityNotFound(address: string): WireError {
  return wireError(CONDITION.notFound, 404, `The messaging entity '${address}' could not be found.`);
}
