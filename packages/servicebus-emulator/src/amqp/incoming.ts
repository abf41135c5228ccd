import type { Queue } from '../queue/queue.js';
import { CONDITION, toWireError, wireError, type WireError } from './errors.js';
import { parseIncoming, splitBatchEnvelope } from './message-codec.js';
import { RawPayload } from './raw-decoding.js';
import type { Delivery, EventContext } from './rhea.js';
import { outcomes } from './rhea.js';

/** Standard tier's limit, advertised on sender links so `createMessageBatch()` sizes batches by it. */
export const MAX_MESSAGE_SIZE = 256 * 1024;
/** The SDK's batch envelope: data sections, each a complete encoded message. */
const BATCH_FORMAT = 0x80013700;

/** A client's send to a queue: one message or a batch, accepted once the journal has it. */
export function receiveSend(context: EventContext, queue: Queue): void {
  const delivery = context.delivery!;
  try {
    const payload = payloadOf(context);
    if (payload.length > MAX_MESSAGE_SIZE) {
      throw wireError(CONDITION.sizeExceeded, 403, `The received message (size ${payload.length} bytes) exceeds the limit (${MAX_MESSAGE_SIZE} bytes) currently allowed on the link.`);
    }
    const format = (context as { format?: number }).format ?? 0;
    const encoded = format === BATCH_FORMAT ? splitBatchEnvelope(payload) : [payload];
    const wires = encoded.map(parseIncoming);
    queue.accept(wires, () => settleIncoming(delivery, outcomes.accepted().described()));
  } catch (err) {
    rejectIncoming(delivery, toWireError(err));
  }
}

export function payloadOf(context: EventContext): Buffer {
  const message: unknown = context.message;
  if (message instanceof RawPayload) return message.bytes;
  if (Buffer.isBuffer(message)) return message;
  throw wireError('amqp:decode-error', 400, 'Unreadable transfer payload.');
}

export function settleIncoming(delivery: Delivery, state: unknown): void {
  delivery.update(true, state);
}

export function rejectIncoming(delivery: Delivery, error: WireError): void {
  delivery.update(true, outcomes.rejected({ error: { condition: error.condition, description: error.description } }).described());
}
