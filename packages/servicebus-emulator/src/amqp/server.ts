import net from 'node:net';
import type { Namespace, ResolvedEntity } from '../queue/namespace.js';
import type { Queue } from '../queue/queue.js';
import { answerCbs } from './cbs.js';
import { LinkConsumer } from './consumer.js';
import { CONDITION, entityNotFound, toWireError, wireError, type WireError } from './errors.js';
import { MAX_MESSAGE_SIZE, payloadOf, receiveSend, rejectIncoming, settleIncoming } from './incoming.js';
import { deliveryTagToLockToken } from './lock-token.js';
import { handleManagement, type ManagementReply } from './management.js';
import { decodeRawOn } from './raw-decoding.js';
import { ReplyRoutes } from './replies.js';
import {
  decodeMessage, outcomes, rhea,
  type Connection, type Delivery, type DeliveryInternals, type EventContext, type Message, type Receiver, type Sender,
} from './rhea.js';
import { settlementFromOutcome } from './settlement.js';

export interface AmqpServer {
  port: number;
  /** Totals since start, from the clients' point of view (for tests and /stats). */
  counters(): AmqpCounters;
  close(): Promise<void>;
}

export interface AmqpCounters {
  connections: number;
  /** Client receivers attached to a queue or dead-letter queue. */
  receiverLinks: number;
  /** Client senders attached to a queue. */
  senderLinks: number;
}

export interface AmqpServerOptions {
  host: string;
  port: number;
  namespace: Namespace;
  log: (line: string) => void;
}

/** What a client's sending link (a broker receiver) is attached to. */
type InboundRoute =
  | { kind: 'cbs' }
  | { kind: 'management'; target: ResolvedEntity }
  | { kind: 'queue'; queue: Queue };

const CBS = '$cbs';
const MANAGEMENT_SUFFIX = '/$management';

/**
 * The AMQP 1.0 listener: rhea connections on a plain TCP socket, with the server-side fixes the
 * SDK needs (reference/servicebus-wire.md section 5), routing links to CBS, `$management` and
 * the queues.
 */
export async function startAmqpServer(options: AmqpServerOptions): Promise<AmqpServer> {
  const { namespace, log } = options;
  const container = rhea.create_container({ id: 'servicebus-emulator' });
  const inbound = new WeakMap<Receiver, InboundRoute>();
  const consumers = new WeakMap<Sender, LinkConsumer>();
  const byConnection = new Map<Connection, Set<LinkConsumer>>();
  const replies = new ReplyRoutes();
  const sockets = new Set<net.Socket>();
  const counters: AmqpCounters = { connections: 0, receiverLinks: 0, senderLinks: 0 };

  const connectionOptions = {
    // Keep abandon (modified) and defer (modified + undeliverable-here) apart (pitfall 2).
    sender_options: { treat_modified_as_released: false },
    // Sends are accepted by the broker only once stored.
    receiver_options: { autoaccept: false, credit_window: 500 },
    container_id: 'servicebus-emulator',
  };

  const server = net.createServer((socket) => {
    counters.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // rhea enables TCP_NODELAY on accepted sockets only when asked; without it every burst after a
    // flow waits ~40 ms for a delayed ACK (pitfall 6).
    socket.setNoDelay(true);
    const connection = container.create_connection(connectionOptions as never);
    decodeRawOn(connection);
    (connection as unknown as { accept(socket: net.Socket): void }).accept(socket);
  });

  // A failure in one handler is logged, never allowed to take the broker down for everyone.
  const on = (event: string, handler: (context: EventContext) => void): void => {
    container.on(event, (context: EventContext) => {
      try {
        handler(context);
      } catch (err) {
        log(`amqp ${event} handler failed: ${(err as Error).stack ?? String(err)}`);
      }
    });
  };
  on('sender_open', onSenderOpen);
  on('receiver_open', onReceiverOpen);
  on('message', onMessage);
  for (const outcome of ['accepted', 'released', 'rejected', 'modified']) on(outcome, (context) => onOutcome(outcome, context));
  on('sendable', (context) => consumers.get(context.sender!)?.entity.requestDispatch());
  on('sender_draining', (context) => {
    const consumer = consumers.get(context.sender!);
    if (consumer) consumer.drain();
    else context.sender!.set_drained(true);
  });
  on('sender_close', (context) => closeSender(context.connection, context.sender!));
  on('receiver_close', () => {});
  on('session_close', () => {});
  on('connection_close', (context) => forgetConnection(context.connection));
  on('disconnected', (context) => forgetConnection(context.connection));
  container.on('error', (err: Error) => log(`amqp error: ${err.message}`));
  container.on('protocol_error', (err: Error) => log(`amqp protocol error: ${err.message}`));

  function onSenderOpen(context: EventContext): void {
    const link = context.sender!;
    const address = addressOf(link.source);
    if (address === CBS || address.toLowerCase().endsWith(MANAGEMENT_SUFFIX)) {
      echoAttach(link);
      replies.register(context.connection, link);
      return;
    }
    const resolved = namespace.resolve(address);
    if (!resolved) return refuse(link, entityNotFound(fullyQualified(context, address)));
    if (hasSessionFilter(link.source)) {
      return refuse(link, wireError(CONDITION.sessionCannotBeLocked, 410, `The entity '${address}' does not require sessions; sessions are not emulated.`));
    }
    echoAttach(link);
    counters.receiverLinks++;
    const consumer = new LinkConsumer(link, resolved.queue, resolved.entity);
    consumers.set(link, consumer);
    let set = byConnection.get(context.connection);
    if (!set) byConnection.set(context.connection, (set = new Set()));
    set.add(consumer);
    resolved.entity.addConsumer(consumer);
  }

  function onReceiverOpen(context: EventContext): void {
    const link = context.receiver!;
    const address = addressOf(link.target);
    if (address === CBS) {
      inbound.set(link, { kind: 'cbs' });
      return echoAttach(link);
    }
    if (address.toLowerCase().endsWith(MANAGEMENT_SUFFIX)) {
      const entityPath = address.slice(0, -MANAGEMENT_SUFFIX.length);
      const target = namespace.resolve(entityPath);
      if (!target) return refuse(link, entityNotFound(fullyQualified(context, entityPath)));
      inbound.set(link, { kind: 'management', target });
      return echoAttach(link);
    }
    const resolved = namespace.resolve(address);
    if (!resolved) return refuse(link, entityNotFound(fullyQualified(context, address)));
    if (resolved.entity.isDeadLetter) {
      return refuse(link, wireError('amqp:not-allowed', 400, `Messages cannot be sent to the dead-letter queue '${address}'.`));
    }
    inbound.set(link, { kind: 'queue', queue: resolved.queue });
    counters.senderLinks++;
    echoAttach(link);
    const local = (link as unknown as { local: { attach: Record<string, unknown> } }).local.attach;
    local.max_message_size = MAX_MESSAGE_SIZE;
  }

  function onMessage(context: EventContext): void {
    const route = inbound.get(context.receiver!);
    const delivery = context.delivery!;
    if (!route) return rejectIncoming(delivery, wireError('amqp:not-allowed', 400, 'Link is not attached to an entity.'));
    if (route.kind === 'queue') return receiveSend(context, route.queue);
    let request: Message;
    try {
      request = decodeMessage(payloadOf(context));
    } catch (err) {
      return rejectIncoming(delivery, toWireError(err));
    }
    settleIncoming(delivery, outcomes.accepted().described());
    const replyTo = request.reply_to;
    if (route.kind === 'cbs') {
      replies.send(context.connection, replyTo, answerCbs(request));
      return;
    }
    handleManagement(request, route.target, (reply: ManagementReply) => {
      replies.send(context.connection, replyTo, {
        correlation_id: request.message_id,
        // $management status keys are camelCase, unlike CBS's (pitfall 8).
        application_properties: {
          statusCode: reply.status,
          statusDescription: reply.description ?? (reply.status < 300 ? 'OK' : 'Error'),
          ...(reply.condition ? { errorCondition: reply.condition } : {}),
        },
        body: reply.body ?? {},
      });
    }, log);
  }

  function onOutcome(outcome: string, context: EventContext): void {
    const consumer = consumers.get(context.sender!);
    const delivery = context.delivery! as Delivery & DeliveryInternals;
    if (!consumer) return;
    if (consumer.receiveAndDelete) return answer(delivery, outcomes.accepted().described());
    const token = deliveryTagToLockToken(delivery.tag);
    const settlement = settlementFromOutcome(outcome, delivery.remote_state);
    // Echo the outcome, except a dead-letter's rejected+error, which the SDK would read as failure.
    const echo = outcome === 'rejected' ? outcomes.accepted().described() : (delivery.remote_state as unknown as { described(): unknown }).described();
    try {
      if (!token) throw wireError('com.microsoft:message-lock-lost', 410, 'The delivery tag is not a lock token.');
      consumer.queue.settle(consumer.entity, token, settlement, () => answer(delivery, echo));
    } catch (err) {
      answerError(delivery, toWireError(err));
    }
  }

  function closeSender(connection: Connection, link: Sender): void {
    replies.unregister(connection, link);
    const consumer = consumers.get(link);
    if (!consumer) return;
    consumer.close();
    consumers.delete(link);
    byConnection.get(connection)?.delete(consumer);
  }

  function forgetConnection(connection: Connection): void {
    const set = byConnection.get(connection);
    if (!set) return;
    byConnection.delete(connection);
    for (const consumer of set) consumer.close();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`amqp listener error: ${err.message}`));

  return {
    port: (server.address() as net.AddressInfo).port,
    counters: () => ({ ...counters }),
    async close() {
      // rhea's own close waits for open sockets (pitfall 16): close the listener, then the sockets.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const set of byConnection.values()) for (const consumer of set) consumer.close();
      byConnection.clear();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

/** Answers a client's disposition with a settled one; the client never settles it again (pitfall 5). */
function answer(delivery: Delivery & DeliveryInternals, state: unknown): void {
  delivery.update(true, state);
  delivery.remote_settled = true;
}

function answerError(delivery: Delivery & DeliveryInternals, error: WireError): void {
  answer(delivery, outcomes.rejected({ error: { condition: error.condition, description: error.description } }).described());
}

/** Attaching back with the client's terminus and settle modes; a null terminus means refusal (pitfall 11). */
function echoAttach(link: Sender | Receiver): void {
  const internals = link as unknown as {
    local: { attach: Record<string, unknown> };
    remote: { attach: Record<string, unknown> & { source?: { described(): unknown }; target?: { described(): unknown } } };
  };
  const remote = internals.remote.attach;
  const local = internals.local.attach;
  if (remote.source) local.source = remote.source.described();
  if (remote.target) local.target = remote.target.described();
  local.snd_settle_mode = remote.snd_settle_mode;
  local.rcv_settle_mode = remote.rcv_settle_mode;
}

function refuse(link: Sender | Receiver, error: WireError): void {
  link.close({ condition: error.condition, description: error.description });
}

function addressOf(terminus: unknown): string {
  const address = (terminus as { address?: unknown } | null | undefined)?.address;
  return typeof address === 'string' ? address : '';
}

function hasSessionFilter(source: unknown): boolean {
  const filter = (source as { filter?: Record<string, unknown> } | null | undefined)?.filter;
  return !!filter && Object.keys(filter).some((key) => key.toLowerCase().includes('session-filter'));
}

function fullyQualified(context: EventContext, address: string): string {
  const host = (context.connection as unknown as { hostname?: string }).hostname ?? 'localhost';
  return `sb://${host}/${address}`;
}
