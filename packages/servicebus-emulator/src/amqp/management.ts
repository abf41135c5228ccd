import type { ResolvedEntity } from '../queue/namespace.js';
import { QueueError } from '../queue/message.js';
import { CONDITION, toWireError, wireError } from './errors.js';
import { lockTokenBytes, managementLockToken } from './lock-token.js';
import { parseIncoming } from './message-codec.js';
import { amqpTypes, type Message } from './rhea.js';
import { settlementFromStatus } from './settlement.js';
import { encodeStored } from './wire-view.js';

export interface ManagementReply {
  status: number;
  description?: string;
  condition?: string;
  body?: Record<string, unknown>;
}

type Body = Record<string, unknown>;
type Reply = (reply: ManagementReply) => void;

const OK = 200;
const NO_CONTENT = 204;

/**
 * The `$management` operations the SDK uses on a queue (reference section 2). Replies are given
 * through `reply` because several wait for the journal before answering.
 */
export function handleManagement(request: Message, target: ResolvedEntity, reply: Reply, log: (line: string) => void): void {
  const operation = String((request.application_properties as Body | undefined)?.operation);
  const body = (isRecord(request.body) ? request.body : {}) as Body;
  try {
    const handler = HANDLERS[operation];
    if (!handler) {
      reply({ status: 501, condition: CONDITION.notImplemented, description: `Operation '${operation}' is not emulated (queues only: no sessions, rules or transactions).` });
      return;
    }
    handler(body, target, reply);
  } catch (err) {
    const error = toWireError(err);
    if (error.status >= 500) log(`$management ${operation} failed: ${(err as Error).stack ?? String(err)}`);
    reply({ status: error.status, condition: error.condition, description: error.description });
  }
}

const HANDLERS: Record<string, (body: Body, target: ResolvedEntity, reply: Reply) => void> = {
  'com.microsoft:peek-message'(body, { queue, entity }, reply) {
    const from = toNumber(body['from-sequence-number']) ?? 1;
    const count = toNumber(body['message-count']) ?? 1;
    const messages = queue.peek(entity, from, count);
    // The SDK compares statusCode with 204 literally to mean "nothing to peek".
    if (messages.length === 0) return reply({ status: NO_CONTENT, description: 'No messages to peek' });
    reply({ status: OK, body: { messages: messages.map((m) => ({ message: encodeStored(m, 'peek') })) } });
  },

  'com.microsoft:renew-lock'(body, { queue, entity }, reply) {
    const expirations = lockTokens(body).map((token) => new Date(queue.renewLock(entity, token)));
    reply({ status: OK, body: { expirations } });
  },

  'com.microsoft:schedule-message'(body, { queue, entity }, reply) {
    if (entity.isDeadLetter) throw new QueueError('InvalidOperation', 'Messages cannot be scheduled on a dead-letter queue.');
    const entries = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
    const wires = entries.map((entry) => {
      const encoded = isRecord(entry) ? entry.message : undefined;
      if (!Buffer.isBuffer(encoded)) throw wireError('com.microsoft:argument-error', 400, 'Each scheduled message needs an encoded "message".');
      return parseIncoming(encoded);
    });
    queue.accept(wires, (seqs) => {
      reply({ status: OK, body: { 'sequence-numbers': amqpTypes.wrap_array(seqs, 0x81) } });
    });
  },

  'com.microsoft:cancel-scheduled-message'(body, { queue }, reply) {
    queue.cancelScheduled(sequenceNumbers(body), () => reply({ status: OK, body: {} }));
  },

  'com.microsoft:receive-by-sequence-number'(body, { queue, entity }, reply) {
    const receiveAndDelete = toNumber(body['receiver-settle-mode']) === 0;
    queue.receiveDeferred(entity, sequenceNumbers(body), receiveAndDelete, (messages) => {
      reply({
        status: OK,
        body: {
          messages: messages.map((m) => ({
            message: encodeStored(m, 'receive'),
            // RFC byte order here, unlike a delivery tag (pitfall 9).
            ...(m.lock ? { 'lock-token': amqpTypes.wrap_uuid(lockTokenBytes(m.lock.token)) } : {}),
          })),
        },
      });
    });
  },

  'com.microsoft:update-disposition'(body, { queue, entity }, reply) {
    const settlement = settlementFromStatus(body);
    if (!settlement) throw wireError('com.microsoft:argument-error', 400, `Unknown disposition-status '${String(body['disposition-status'])}'.`);
    const tokens = lockTokens(body);
    let remaining = tokens.length;
    if (remaining === 0) return reply({ status: OK, body: {} });
    // All or nothing: refuse before settling any if one lock is gone.
    for (const token of tokens) queue.assertLocked(entity, token);
    for (const token of tokens) {
      queue.settle(entity, token, settlement, () => {
        if (--remaining === 0) reply({ status: OK, body: {} });
      });
    }
  },
};

function lockTokens(body: Body): string[] {
  const raw = body['lock-tokens'];
  const list = Array.isArray(raw) ? raw : [];
  return list.map((value) => {
    const token = managementLockToken(value);
    if (!token) throw wireError('com.microsoft:argument-error', 400, 'lock-tokens must be UUIDs.');
    return token;
  });
}

function sequenceNumbers(body: Body): number[] {
  const raw = body['sequence-numbers'];
  const list = Array.isArray(raw) ? raw : [];
  return list.map((value) => {
    const seq = toNumber(value);
    if (seq === undefined) throw wireError('com.microsoft:argument-error', 400, 'sequence-numbers must be longs.');
    return seq;
  });
}

/** AMQP longs arrive as numbers, or as 8-byte buffers when rhea thinks them too large. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}
