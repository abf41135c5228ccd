// A fake of the slice of ServiceBusClient the consumer uses: a receiver whose subscribe() can be
// fed messages, recording every settlement, and a sender recording every send, in one event log
// so tests can assert order (the retry copy before the completion).

import type { ServiceBusClient, ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import type { ServiceBus } from '@tapline/messaging';

export type FakeEvent =
  | { op: 'send'; message: ServiceBusMessage }
  | { op: 'complete' | 'abandon'; messageId: string }
  | { op: 'deadLetter'; messageId: string; reason: string | undefined; description: string | undefined }
  | { op: 'closeSubscription' | 'closeReceiver' | 'closeSender' };

interface Handlers {
  processMessage(m: ServiceBusReceivedMessage): Promise<void>;
  processError(args: { error: Error; errorSource: string }): Promise<void>;
}

export interface FakeBus extends ServiceBus {
  readonly events: FakeEvent[];
  readonly receiverOptions: unknown[];
  readonly subscribeOptions: unknown[];
  /** Hands a message to the subscription; resolves when its processMessage call returns. */
  deliver(m: Partial<ServiceBusReceivedMessage> & { messageId: string }): Promise<void>;
  reportError(error: Error): Promise<void>;
  failNext(op: 'send' | 'complete' | 'abandon' | 'deadLetter', error: Error): void;
}

export function receivedMessage(m: Partial<ServiceBusReceivedMessage> & { messageId: string }): ServiceBusReceivedMessage {
  return {
    body: { hello: 'world' },
    applicationProperties: {},
    deliveryCount: 0,
    enqueuedTimeUtc: new Date('2026-11-25T10:00:00Z'),
    state: 'active',
    ...m,
  } as ServiceBusReceivedMessage;
}

export function createFakeBus(): FakeBus {
  const events: FakeEvent[] = [];
  const receiverOptions: unknown[] = [];
  const subscribeOptions: unknown[] = [];
  const failures = new Map<string, Error[]>();
  let handlers: Handlers | undefined;
  let subscriptionOpen = false;

  const maybeFail = async (op: string): Promise<void> => {
    await Promise.resolve();
    const err = failures.get(op)?.shift();
    if (err) throw err;
  };
  const idOf = (m: ServiceBusReceivedMessage): string => String(m.messageId);

  const receiver = {
    subscribe(h: Handlers, options: unknown) {
      handlers = h;
      subscriptionOpen = true;
      subscribeOptions.push(options);
      return {
        close: async () => {
          await Promise.resolve();
          subscriptionOpen = false;
          events.push({ op: 'closeSubscription' });
        },
      };
    },
    async completeMessage(m: ServiceBusReceivedMessage) {
      await maybeFail('complete');
      events.push({ op: 'complete', messageId: idOf(m) });
    },
    async abandonMessage(m: ServiceBusReceivedMessage) {
      await maybeFail('abandon');
      events.push({ op: 'abandon', messageId: idOf(m) });
    },
    async deadLetterMessage(m: ServiceBusReceivedMessage, o?: { deadLetterReason?: string; deadLetterErrorDescription?: string }) {
      await maybeFail('deadLetter');
      events.push({ op: 'deadLetter', messageId: idOf(m), reason: o?.deadLetterReason, description: o?.deadLetterErrorDescription });
    },
    async close() {
      await Promise.resolve();
      events.push({ op: 'closeReceiver' });
    },
  };
  const sender = {
    async sendMessages(message: ServiceBusMessage) {
      await maybeFail('send');
      events.push({ op: 'send', message });
    },
    async close() {
      await Promise.resolve();
      events.push({ op: 'closeSender' });
    },
  };
  const client = {
    createReceiver(_queue: string, options: unknown) {
      receiverOptions.push(options);
      return receiver;
    },
    createSender() {
      return sender;
    },
    close: () => Promise.resolve(),
  } as unknown as ServiceBusClient;

  return {
    client,
    close: () => Promise.resolve(),
    events,
    receiverOptions,
    subscribeOptions,
    async deliver(m) {
      if (!handlers || !subscriptionOpen) throw new Error('no open subscription');
      await handlers.processMessage(receivedMessage(m));
    },
    async reportError(error) {
      await handlers?.processError({ error, errorSource: 'receive' });
    },
    failNext(op, error) {
      failures.set(op, [...(failures.get(op) ?? []), error]);
    },
  };
}

/** A Logger that records every call, bindings included, for assertions. */
export interface RecordedLine { level: string; bindings: Record<string, unknown>; obj: object; msg: string | undefined }

export function recordingLogger(lines: RecordedLine[] = [], bindings: Record<string, unknown> = {}) {
  const at = (level: string) => (obj: object, msg?: string) => { lines.push({ level, bindings, obj, msg }); };
  const logger = {
    lines,
    debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    child: (b: Record<string, unknown>) => recordingLogger(lines, { ...bindings, ...b }),
  };
  return logger;
}
