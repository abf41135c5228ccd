// Retries, dead letters, redeliveries and crashes through the handler with in-memory fakes.
// (The same crash points are exercised with a real SIGKILL in worker-process.test.ts.)
import { describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '@tapline/domain';
import type { TapDeliveryMessage, TapOutcomeMessage } from '@tapline/domain';
import { CRASH_POINTS, REPLACING_TAP_ID } from '@tapline/worker';
import { SimulatedCrash, U, crashAt, harness, request, sha256 } from './support.js';
import type { Harness } from './support.js';

function deliveries(h: Harness): TapDeliveryMessage[] {
  return h.outcomes().filter((o: TapOutcomeMessage): o is TapDeliveryMessage => o.kind === 'delivery');
}

/**
 * DESIGN section 4: the only delivery that would be sent (its TAP id is the target's current TAP
 * id in the ledger) carries the TAP Graph holds now.
 */
async function expectOnlyCurrentTapSendable(h: Harness, targetId: string): Promise<void> {
  const current = (await h.ledger.getTarget(targetId))?.currentTapId;
  const sendable = deliveries(h).filter((d) => d.targetId === targetId && d.tapId === current);
  expect(sendable).toHaveLength(1);
  expect(sha256(h.openSecret(sendable[0]!))).toBe(h.tenant.currentTap(targetId)!.sha256);
}

describe('retryable failures', () => {
  it('retries in process, honouring Retry-After, and issues exactly one TAP', async () => {
    const h = harness();
    h.tenant.failNext('createTap', new RetryableError('Graph answered 429', { retryAfterMs: 60 }));
    h.tenant.failNext('managerChain', new RetryableError('Graph answered 503'));
    const started = Date.now();
    expect(await h.deliver(request(U.alice))).toEqual({ kind: 'complete' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
    expect(h.tenant.writes).toHaveLength(1);
    expect(deliveries(h)).toHaveLength(1);
    await expectOnlyCurrentTapSendable(h, U.alice);
  });

  it('retries only the publish when the TAP exists and the send failed (no second TAP)', async () => {
    const h = harness();
    h.deliveries.failNext(new RetryableError('Service Bus busy'));
    expect(await h.deliver(request(U.alice))).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
    expect(deliveries(h)).toHaveLength(1);
    await expectOnlyCurrentTapSendable(h, U.alice);
  });

  it('past the in-process budget, schedules a delayed retry with the attempt and the Retry-After floor', async () => {
    const h = harness({ settings: { inProcessRetryBudgetMs: 0 } });
    const msg = request(U.alice);
    h.tenant.failNext('getUser', new RetryableError('Graph answered 429', { retryAfterMs: 90_000 }));
    const outcome = await h.deliver(msg);
    expect(outcome).toMatchObject({ kind: 'retryLater', attempt: 1 });
    expect(outcome.kind === 'retryLater' && outcome.delayMs).toBeGreaterThanOrEqual(90_000);
    expect(outcome.kind === 'retryLater' && outcome.lastError).toContain('429');
    expect(await h.ledger.getRequest(msg.requestId)).toMatchObject({ status: 'received', attempts: 1 });
    expect(h.tenant.writes).toHaveLength(0);
    // The delayed copy (attempt 2) then succeeds.
    expect(await h.deliver(msg, { attempt: 2 })).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
  });

  it('dead-letters RetriesExhausted after the last attempt, with a secret-free description', async () => {
    const h = harness({ settings: { inProcessRetryBudgetMs: 0 } });
    const msg = request(U.alice);
    h.tenant.failNext('createTap', new RetryableError('Graph answered 503'));
    const outcome = await h.deliver(msg, { attempt: 10 });
    expect(outcome).toMatchObject({ kind: 'deadLetter', reason: 'RetriesExhausted' });
    expect(outcome.kind === 'deadLetter' && outcome.description).toContain('503');
    expect(await h.ledger.getRequest(msg.requestId)).toMatchObject({ status: 'dead-lettered', reasons: ['RetriesExhausted'] });
    expect(h.metrics.value('tap.dead_lettered', { queue: 'tap-requests', reason: 'RetriesExhausted' })).toBe(1);
  });

  it('waits for a target another request is issuing to, then issues after it (lease)', async () => {
    const h = harness({ eligibility: { targetCooldownMinutes: 0 } });
    const [a, b] = [request(U.alice), request(U.alice)];
    const results = await Promise.all([h.deliver(a), h.deliver(b)]);
    expect(results).toEqual([{ kind: 'complete' }, { kind: 'complete' }]);
    expect(h.tenant.writes).toHaveLength(2);
    await expectOnlyCurrentTapSendable(h, U.alice);
  });
});

describe('permanent failures dead-letter at once with their reason', () => {
  it.each([
    ['TargetNotFound', () => request(U.unknown), undefined],
    ['RequestorNotFound', () => request(U.alice, U.unknown), undefined],
    ['NoDeliverableContact', () => request(U.noContact), undefined],
    ['GraphForbidden', () => request(U.alice), (h: Harness) => h.tenant.failNext('activeRoleCount', new PermanentError('GraphForbidden', 'Graph answered 403'))],
    ['TapPolicyRejected', () => request(U.alice), (h: Harness) => h.tenant.setTapPolicy({ state: 'disabled' })],
  ] as const)('%s', async (reason, make, arrange) => {
    const h = harness();
    arrange?.(h);
    const msg = make();
    const outcome = await h.deliver(msg);
    expect(outcome).toMatchObject({ kind: 'deadLetter', reason });
    expect(await h.ledger.getRequest(msg.requestId)).toMatchObject({ status: 'failed', reasons: [reason] });
    expect(h.tenant.writes).toHaveLength(0);
    expect(deliveries(h)).toHaveLength(0);
    expect(h.metrics.value('tap.dead_lettered', { queue: 'tap-requests', reason })).toBe(1);
  });

  it('a TAP rejected by Graph leaves the previous TAP current, so its delivery still goes out', async () => {
    const h = harness({ eligibility: { targetCooldownMinutes: 0 } });
    await h.deliver(request(U.alice));
    const first = h.tenant.currentTap(U.alice)!;
    h.tenant.failNext('createTap', new PermanentError('TapPolicyRejected', 'Graph answered 400'));
    expect(await h.deliver(request(U.alice))).toMatchObject({ kind: 'deadLetter', reason: 'TapPolicyRejected' });
    expect((await h.ledger.getTarget(U.alice))?.currentTapId).toBe(first.id);
    await expectOnlyCurrentTapSendable(h, U.alice);
  });

  it('a malformed message is dead-lettered InvalidMessage, a newer schema UnsupportedSchemaVersion', async () => {
    const { createRequestHandler, decodeRequestMessage } = await import('@tapline/worker');
    const { silentLogger } = await import('@tapline/messaging');
    const h = harness();
    const handle = createRequestHandler(h.deps);
    const ctx = (body: unknown) => ({ logger: silentLogger, attempt: 1, signal: new AbortController().signal, message: { messageId: 'm', body, applicationProperties: {}, deliveryCount: 0 } });
    const bad = { messageId: 'm', body: '{"requestId": 42}', applicationProperties: {}, deliveryCount: 0 };
    expect(await handle(decodeRequestMessage(bad), ctx(bad.body))).toMatchObject({ kind: 'deadLetter', reason: 'InvalidMessage' });
    const newer = { ...bad, body: JSON.stringify({ ...request(U.alice), schemaVersion: 99 }) };
    expect(await handle(decodeRequestMessage(newer), ctx(newer.body))).toMatchObject({ kind: 'deadLetter', reason: 'UnsupportedSchemaVersion' });
  });

  it('a bug is abandoned, not retried or dead-lettered by the handler', async () => {
    const h = harness();
    h.tenant.failNext('managerChain', new TypeError('cannot read properties of undefined'));
    expect(await h.deliver(request(U.alice))).toMatchObject({ kind: 'abandon' });
    expect(h.tenant.writes).toHaveLength(0);
  });
});

describe('redelivery', () => {
  it('completes a delivered or denied request as a duplicate, without a Graph write', async () => {
    const h = harness();
    const msg = request(U.alice);
    await h.deliver(msg);
    await h.ledger.transition(msg.requestId, 'delivered', {});
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
    const denied = request(U.alice, U.otherManager);
    await h.deliver(denied);
    const published = h.deliveries.sent.length;
    expect(await h.deliver(denied)).toEqual({ kind: 'complete' });
    expect(h.deliveries.sent.length).toBe(published);
    expect(h.metrics.value('tap.duplicates')).toBe(2);
  });

  it('completes an issued request whose delivery is proven published', async () => {
    const h = harness();
    const msg = request(U.alice);
    await h.deliver(msg);
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
    expect(deliveries(h)).toHaveLength(1);
  });

  it('republishes a denial whose publish was not recorded', async () => {
    const h = harness({ settings: { inProcessRetryBudgetMs: 0 } });
    const msg = request(U.alice, U.otherManager);
    h.deliveries.failNext(new RetryableError('Service Bus busy'));
    expect(await h.deliver(msg)).toMatchObject({ kind: 'retryLater' });
    expect((await h.ledger.getRequest(msg.requestId))?.status).toBe('denied');
    expect(await h.deliver(msg, { attempt: 2 })).toEqual({ kind: 'complete' });
    expect(h.outcomes().filter((o) => o.kind === 'denial')).toHaveLength(1);
  });
});

describe('a crash at each step boundary, then the redelivery (DESIGN section 4)', () => {
  it.each(CRASH_POINTS)('%s: no request lost, and only the current TAP is sendable', async (point) => {
    const h = harness({ eligibility: { targetCooldownMinutes: 0 } });
    // An earlier request's delivery for the same user is still in flight.
    await h.deliver(request(U.alice));
    const msg = request(U.alice);
    const crashed = await h.deliver(msg, { crash: crashAt(point) });
    expect(crashed).toMatchObject({ kind: 'abandon', error: expect.any(SimulatedCrash) as unknown });
    // The broker redelivers the same message to a healthy worker.
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    const record = await h.ledger.getRequest(msg.requestId);
    expect(record?.status).toBe('issued');
    await expectOnlyCurrentTapSendable(h, U.alice);
    expect((await h.ledger.getTarget(U.alice))?.currentTapId).toBe(record?.tapId);
    // A crash after the publish was recorded costs nothing; before that, at most one more TAP.
    expect(h.tenant.writes.length).toBe(point === 'before-complete' ? 2 : 3);
  });

  it('supersedes the previous TAP before creating the new one, so a crash in between never leaves a dead TAP sendable', async () => {
    const h = harness({ eligibility: { targetCooldownMinutes: 0 } });
    await h.deliver(request(U.alice));
    const before = deliveries(h)[0]!;
    await h.deliver(request(U.alice), { crash: crashAt('after-tap-created') });
    // Graph replaced the TAP; the ledger must not point at the old one any more.
    expect(h.tenant.currentTap(U.alice)!.id).not.toBe(before.tapId);
    expect((await h.ledger.getTarget(U.alice))?.currentTapId).toBe(REPLACING_TAP_ID);
  });
});
