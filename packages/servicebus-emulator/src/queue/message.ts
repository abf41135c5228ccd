import type { WireMessage } from '../amqp/message-codec.js';

/**
 * Glossary.
 * - active: can be received; deferred: only by sequence number; scheduled: not yet enqueued.
 * - a lock is held by one receiver in peek-lock mode until it settles, renews or the lock expires.
 * - delivery count: how many times the message was handed to a receiver (a receiver sees the
 *   count of previous deliveries, as Service Bus reports it).
 */
export type MessageState = 'active' | 'deferred' | 'scheduled';

export interface Lock {
  token: string;
  until: number;
  timer: NodeJS.Timeout;
}

export interface StoredMessage extends WireMessage {
  seq: number;
  /** When the broker accepted the send: the duplicate-detection clock. */
  acceptedAt: number;
  /** Acceptance time, or the scheduled time for a scheduled message. */
  enqueuedAt: number;
  /** Epoch ms, Infinity when the message never expires. */
  expiresAt: number;
  deliveryCount: number;
  state: MessageState;
  deadLettered: boolean;
  lock: Lock | undefined;
}

export const MESSAGE_STATE_CODE: Record<MessageState, number> = { active: 0, deferred: 1, scheduled: 2 };

export type QueueErrorCode =
  | 'MessageLockLost'
  | 'MessageNotFound'
  | 'QuotaExceeded'
  | 'InvalidOperation'
  | 'EntityNotFound';

/** A refusal the client should see as the matching Service Bus error. */
export class QueueError extends Error {
  constructor(readonly code: QueueErrorCode, message: string) {
    super(message);
    this.name = 'QueueError';
  }
}
