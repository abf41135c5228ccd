import { MESSAGE_STATE_CODE, type MessageState, type StoredMessage } from '../queue/message.js';
import { encodeForDelivery } from './message-codec.js';

const MAX_UINT = 0xffffffff;

/**
 * A stored message as Service Bus presents it: to a receiver (header delivery count = previous
 * deliveries) or to a peek (= all deliveries so far).
 */
export function encodeStored(message: StoredMessage, purpose: 'receive' | 'peek'): Buffer {
  const ttl = message.expiresAt - message.enqueuedAt;
  return encodeForDelivery({
    bare: message.bare,
    durable: message.durable,
    priority: message.priority,
    ttlMs: Number.isFinite(ttl) && ttl >= 0 && ttl <= MAX_UINT ? ttl : undefined,
    annotations: message.annotations,
    annotationCount: message.annotationCount,
    sequenceNumber: message.seq,
    enqueuedAt: message.enqueuedAt,
    lockedUntil: message.lock?.until,
    state: MESSAGE_STATE_CODE[stateShown(message)],
    deliveryCount: purpose === 'receive' ? Math.max(0, message.deliveryCount - 1) : message.deliveryCount,
  });
}

/**
 * Service Bus keeps reporting a message that was sent scheduled as `scheduled` after it is
 * enqueued (tapline's delayed retries arrive so); deferral still shows as `deferred`.
 */
function stateShown(message: StoredMessage): MessageState {
  return message.state === 'active' && message.scheduledAt !== undefined ? 'scheduled' : message.state;
}
