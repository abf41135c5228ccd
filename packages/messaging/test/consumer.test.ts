import { describe, expect, it } from 'vitest';
import type { ServiceBusMessage } from '@azure/service-bus';
import { PermanentError, RetryableError } from '@tapline/domain';
import { ATTEMPT_PROPERTY, LAST_ERROR_PROPERTY, startConsumer } from '@tapline/messaging';
import type { HandlerContext, InboundMessage, Outcome } from '@tapline/messaging';
import { createFakeBus, recordingLogger } from './fake-bus.js';
import type { FakeEvent } from './fake-bus.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const TAP = 'Xk7#pQ2!mZ9w$Lr4';

function setup(handle: (m: InboundMessage, ctx: HandlerContext) => Promise<Outcome>, decode: (m: InboundMessage) => InboundMessage = (m) => m) {
  const bus = createFakeBus();
  const logger = recordingLogger();
  const consumer = startConsumer({ bus, queue: 'tap-requests', maxConcurrentCalls: 4, decode, handle, logger, lockRenewal: { maxDurationMs: 60_000 }, now: () => NOW });
  return { bus, logger, consumer };
}

const ops = (events: FakeEvent[]) => events.map((e) => e.op);
const sent = (events: FakeEvent[]): ServiceBusMessage[] => events.flatMap((e) => (e.op === 'send' ? [e.message] : []));

describe('consumer settlement', () => {
  it('subscribes without auto-complete, with the concurrency and lock renewal asked for', () => {
    const { bus } = setup(() => Promise.resolve({ kind: 'complete' }));
    expect(bus.subscribeOptions[0]).toMatchObject({ autoCompleteMessages: false, maxConcurrentCalls: 4 });
    expect(bus.receiverOptions[0]).toMatchObject({ receiveMode: 'peekLock', maxAutoLockRenewalDurationInMs: 60_000 });
  });

  it('complete: completes the message and counts it', async () => {
    const { bus, consumer } = setup(() => Promise.resolve({ kind: 'complete' }));
    await bus.deliver({ messageId: 'm1' });
    expect(bus.events).toEqual([{ op: 'complete', messageId: 'm1' }]);
    expect(consumer.counters).toMatchObject({ received: 1, completed: 1 });
  });

  it('retryLater: sends the scheduled copy (same body, attempt + 1, deterministic id) before completing', async () => {
    const { bus, consumer } = setup((_m, ctx) => Promise.resolve({ kind: 'retryLater', delayMs: 30_000, attempt: ctx.attempt, lastError: `Graph 503 for ${TAP}` }));
    const body = { requestId: 'r1', anything: [1, 2, 3] };
    await bus.deliver({ messageId: 'stage-1', correlationId: 'req-1', body, applicationProperties: { traceparent: 'tp' } });
    expect(ops(bus.events)).toEqual(['send', 'complete']);
    const [copy] = sent(bus.events);
    expect(copy).toMatchObject({
      messageId: 'stage-1:retry:2',
      correlationId: 'req-1',
      body,
      scheduledEnqueueTimeUtc: new Date(NOW.getTime() + 30_000),
      applicationProperties: { traceparent: 'tp', [ATTEMPT_PROPERTY]: 2 },
    });
    expect(String(copy?.applicationProperties?.[LAST_ERROR_PROPERTY])).not.toContain(TAP);
    expect(consumer.counters).toMatchObject({ retried: 1, completed: 0 });
  });

  it('retryLater on a retry copy: attempt and id advance from the first message id', async () => {
    const attempts: number[] = [];
    const { bus } = setup((_m, ctx) => {
      attempts.push(ctx.attempt);
      return Promise.resolve({ kind: 'retryLater', delayMs: 1000, attempt: ctx.attempt, lastError: 'x' });
    });
    await bus.deliver({ messageId: 'stage-1:retry:2', applicationProperties: { [ATTEMPT_PROPERTY]: 2 } });
    expect(attempts).toEqual([2]);
    expect(sent(bus.events)[0]).toMatchObject({ messageId: 'stage-1:retry:3', applicationProperties: { [ATTEMPT_PROPERTY]: 3 } });
  });

  it('retryLater keeps the original absolute expiry on the copy', async () => {
    const { bus } = setup(() => Promise.resolve({ kind: 'retryLater', delayMs: 60_000, attempt: 1, lastError: 'x' }));
    await bus.deliver({ messageId: 'd1', expiresAtUtc: new Date(NOW.getTime() + 600_000) });
    expect(sent(bus.events)[0]?.timeToLive).toBe(540_000);
  });

  it('retryLater whose copy cannot be sent abandons the original instead of completing it', async () => {
    const { bus, consumer } = setup(() => Promise.resolve({ kind: 'retryLater', delayMs: 1000, attempt: 1, lastError: 'x' }));
    bus.failNext('send', new Error('link detached'));
    await bus.deliver({ messageId: 'm1' });
    expect(ops(bus.events)).toEqual(['abandon']);
    expect(consumer.counters).toMatchObject({ retried: 0, abandoned: 1, completed: 0 });
  });

  it('deadLetter: reason from the closed set, description scrubbed and truncated', async () => {
    const long = `no contact for +1 5555551234 / bob@contoso.com, TAP ${TAP} ${'x'.repeat(5000)}`;
    const { bus, consumer } = setup(() => Promise.resolve({ kind: 'deadLetter', reason: 'NoDeliverableContact', description: long }));
    await bus.deliver({ messageId: 'm1' });
    const [dl] = bus.events;
    expect(dl).toMatchObject({ op: 'deadLetter', messageId: 'm1', reason: 'NoDeliverableContact' });
    const description = dl?.op === 'deadLetter' ? dl.description ?? '' : '';
    expect(description.length).toBeLessThanOrEqual(1024);
    for (const secret of [TAP, '5555551234', 'bob@contoso.com']) expect(description).not.toContain(secret);
    expect(consumer.counters.deadLettered).toBe(1);
  });

  it('abandon: abandons and logs the error with its stack', async () => {
    const { bus, logger, consumer } = setup(() => Promise.resolve({ kind: 'abandon', error: new Error('invariant broken') }));
    await bus.deliver({ messageId: 'm1' });
    expect(ops(bus.events)).toEqual(['abandon']);
    expect(consumer.counters.abandoned).toBe(1);
    const line = logger.lines.find((l) => l.level === 'error');
    expect(line?.obj).toMatchObject({ event: 'message.abandoned', err: { message: 'invariant broken', stack: expect.stringContaining('at ') as unknown } });
  });

  it('a body that fails to decode is dead-lettered InvalidMessage and never reaches the handler', async () => {
    let handled = 0;
    const { bus } = setup(() => { handled += 1; return Promise.resolve({ kind: 'complete' }); }, (m) => {
      if (typeof m.body !== 'object') throw new Error('body is not an object');
      return m;
    });
    await bus.deliver({ messageId: 'poison', body: 'not json at all' });
    expect(handled).toBe(0);
    expect(bus.events[0]).toMatchObject({ op: 'deadLetter', reason: 'InvalidMessage', description: expect.stringContaining('body is not an object') as unknown });
  });

  it('a thrown PermanentError is dead-lettered with its reason', async () => {
    const { bus } = setup(() => Promise.reject(new PermanentError('TargetNotFound', 'user 1234 not found')));
    await bus.deliver({ messageId: 'm1' });
    expect(bus.events[0]).toMatchObject({ op: 'deadLetter', reason: 'TargetNotFound' });
  });

  it('a thrown bug (or an uncaught RetryableError) abandons, logs the stack, and the loop goes on', async () => {
    let n = 0;
    const { bus, logger, consumer } = setup(() => {
      n += 1;
      if (n === 1) return Promise.reject(new TypeError("Cannot read properties of undefined (reading 'id')"));
      if (n === 2) return Promise.reject(new RetryableError('Graph 503'));
      return Promise.resolve({ kind: 'complete' });
    });
    await bus.deliver({ messageId: 'm1' });
    await bus.deliver({ messageId: 'm2' });
    await bus.deliver({ messageId: 'm3' });
    expect(bus.events).toEqual([{ op: 'abandon', messageId: 'm1' }, { op: 'abandon', messageId: 'm2' }, { op: 'complete', messageId: 'm3' }]);
    expect(consumer.counters).toMatchObject({ received: 3, abandoned: 2, completed: 1 });
    expect(logger.lines.filter((l) => l.level === 'error').map((l) => (l.obj as { err: { name: string } }).err.name)).toEqual(['TypeError', 'RetryableError']);
  });

  it('a failed settlement is counted and logged, not thrown into the SDK', async () => {
    const { bus, consumer, logger } = setup(() => Promise.resolve({ kind: 'complete' }));
    bus.failNext('complete', Object.assign(new Error('lock lost'), { code: 'MessageLockLost' }));
    await bus.deliver({ messageId: 'm1' });
    expect(consumer.counters).toMatchObject({ settleFailed: 1, completed: 0 });
    expect(logger.lines.some((l) => l.level === 'warn' && (l.obj as { event?: string }).event === 'message.settle_failed')).toBe(true);
  });

  it('logs through a child logger bound to the message, and never logs the body', async () => {
    const { bus, logger } = setup((_m, ctx) => {
      ctx.logger.info({ event: 'handler.ran' }, 'ran');
      return Promise.resolve({ kind: 'deadLetter', reason: 'InvalidMessage', description: 'bad' });
    });
    await bus.deliver({ messageId: 'm1', correlationId: 'c1', deliveryCount: 2, body: { secret: TAP, phone: '+15555551234' } });
    const handlerLine = logger.lines.find((l) => (l.obj as { event?: string }).event === 'handler.ran');
    expect(handlerLine?.bindings).toMatchObject({ messageId: 'm1', correlationId: 'c1', deliveryCount: 2, attempt: 1, queue: 'tap-requests' });
    const everything = JSON.stringify(logger.lines);
    expect(everything).not.toContain(TAP);
    expect(everything).not.toContain('5555551234');
  });

  it('counts receive errors reported by the SDK', async () => {
    const { bus, consumer } = setup(() => Promise.resolve({ kind: 'complete' }));
    await bus.reportError(new Error('connection reset'));
    expect(consumer.counters.receiveErrors).toBe(1);
  });
});

describe('consumer stop', () => {
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((r) => { open = r; });
    return { open, opened };
  }

  it('stops receiving, waits for in-flight handlers, then closes the receiver', async () => {
    const g = gate();
    const { bus, consumer } = setup(async () => { await g.opened; return { kind: 'complete' }; });
    const delivery = bus.deliver({ messageId: 'slow' });
    const stopped = consumer.stop({ deadlineMs: 5_000 });
    await new Promise((r) => setTimeout(r, 20));
    expect(ops(bus.events)).toEqual(['closeSubscription']); // not closed while the handler runs
    g.open();
    await delivery;
    expect(await stopped).toEqual({ drained: true, unfinished: 0 });
    expect(ops(bus.events)).toEqual(['closeSubscription', 'complete', 'closeReceiver', 'closeSender']);
  });

  it('gives up at the deadline: aborts the handler signal and closes anyway', async () => {
    let signal: AbortSignal | undefined;
    const { bus, consumer } = setup((_m, ctx) => { signal = ctx.signal; return new Promise<Outcome>(() => undefined); });
    void bus.deliver({ messageId: 'stuck' });
    await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    expect(await consumer.stop({ deadlineMs: 100 })).toEqual({ drained: false, unfinished: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(signal?.aborted).toBe(true);
    expect(ops(bus.events)).toEqual(['closeSubscription', 'closeReceiver', 'closeSender']);
  });
});
