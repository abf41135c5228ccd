// One behavioural suite for every Ledger implementation (the fake and the Table adapter), so the
// fake the services test against cannot drift from what Azure Tables does.

import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LeaseLostError, RequestNotFoundError } from '@tapline/ledger';
import type { Ledger, NewRequest } from '@tapline/ledger';

export type LedgerFactory = () => Promise<Ledger>;

const T0 = new Date('2026-11-25T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

// Secret shapes that must never reach a row.
export const SECRETS = { tap: 'Xk7#pQ2!mZ9w$Lr4', phone: '+1 5555551234', email: 'bob.smith@contoso.com', bearer: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' };

export function newRequest(overrides: Partial<NewRequest> = {}): NewRequest {
  return {
    requestId: randomUUID(),
    targetId: randomUUID(),
    requestorId: randomUUID(),
    referenceId: `REF-${randomUUID().slice(0, 8)}`,
    stageInstanceId: randomUUID(),
    stage: 'assignmentRequestGranted',
    at: T0,
    ...overrides,
  };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function ledgerConformance(name: string, factory: LedgerFactory): void {
  describe(`Ledger conformance: ${name}`, () => {
    describe('requests', () => {
      it('records a received request once; a second call returns the existing row unchanged', async () => {
        const ledger = await factory();
        const input = newRequest();
        const first = await ledger.recordReceived(input);
        expect(first.created).toBe(true);
        expect(first.record).toMatchObject({ requestId: input.requestId, status: 'received', attempts: 0, reasons: [], targetId: input.targetId, requestorId: input.requestorId, referenceId: input.referenceId, createdAt: T0.toISOString() });
        expect(first.record.timeline).toEqual([{ status: 'received', at: T0.toISOString() }]);
        // What `tapctl dlq reissue` needs to rebuild the request message, read back as written.
        const withCallout = newRequest({ requestType: 'onBehalfAdd', accessPackageId: randomUUID(), callbackPath: '/identityGovernance/x/resume' });
        await ledger.recordReceived(withCallout);
        expect(await ledger.getRequest(withCallout.requestId)).toMatchObject({
          requestType: 'onBehalfAdd', accessPackageId: withCallout.accessPackageId, callbackPath: '/identityGovernance/x/resume',
        });

        await ledger.transition(input.requestId, 'issuing', {}, at(1000));
        const again = await ledger.recordReceived({ ...input, at: at(5000) });
        expect(again.created).toBe(false);
        expect(again.record.status).toBe('issuing');
        expect(again.record.createdAt).toBe(T0.toISOString());
      });

      it('records the timeline and the fields of each step through delivery', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        const tapId = randomUUID();
        const expires = at(3_600_000);
        await ledger.transition(input.requestId, 'issuing', { note: 'lease taken' }, at(1000));
        await ledger.transition(input.requestId, 'issued', { tapId, tapExpiresAt: expires }, at(2000));
        const done = await ledger.transition(input.requestId, 'delivered', { channel: 'sms', providerMessageId: 'sms-123' }, at(3000));
        expect(done).toMatchObject({ status: 'delivered', tapId, tapExpiresAt: expires.toISOString(), channel: 'sms', providerMessageId: 'sms-123', updatedAt: at(3000).toISOString() });
        const stored = await ledger.getRequest(input.requestId);
        expect(stored).toEqual(done);
        expect(stored?.timeline.map((s) => [s.status, s.at])).toEqual([
          ['received', T0.toISOString()], ['issuing', at(1000).toISOString()], ['issued', at(2000).toISOString()], ['delivered', at(3000).toISOString()],
        ]);
        expect(stored?.timeline[1]?.note).toBe('lease taken');
      });

      it('records denial reasons and retry attempts', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        await ledger.transition(input.requestId, 'received', { attempts: 1, lastError: 'Graph 503' }, at(1000));
        const denied = await ledger.transition(input.requestId, 'denied', { reasons: ['TargetIsAdmin', 'ManagerChangedRecently'] }, at(2000));
        expect(denied).toMatchObject({ status: 'denied', attempts: 1, lastError: 'Graph 503', reasons: ['TargetIsAdmin', 'ManagerChangedRecently'] });
      });

      it('refuses an illegal transition with the domain error and leaves the row as it was', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        await ledger.transition(input.requestId, 'denied', { reasons: ['NotManager'] }, at(1000));
        const err = await rejection(ledger.transition(input.requestId, 'issuing', {}, at(2000)));
        expect(err).toMatchObject({ name: 'IllegalTransition', from: 'denied', to: 'issuing' });
        const err2 = await rejection(ledger.transition(input.requestId, 'denied', {}, at(2000)));
        expect(err2).toMatchObject({ name: 'IllegalTransition', from: 'denied', to: 'denied' });
        const stored = await ledger.getRequest(input.requestId);
        expect(stored?.status).toBe('denied');
        expect(stored?.timeline).toHaveLength(2);
      });

      it('throws RequestNotFoundError for an unknown request, and getRequest returns null', async () => {
        const ledger = await factory();
        const id = randomUUID();
        expect(await rejection(ledger.transition(id, 'issuing'))).toBeInstanceOf(RequestNotFoundError);
        expect(await ledger.getRequest(id)).toBeNull();
      });

      it('serialises concurrent writers: every same-status update lands', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        await Promise.all([1, 2, 3, 4].map((n) => ledger.transition(input.requestId, 'received', { note: `attempt ${n}` }, at(n * 1000))));
        const stored = await ledger.getRequest(input.requestId);
        expect(stored?.timeline).toHaveLength(5);
        expect(new Set(stored?.timeline.slice(1).map((s) => s.note))).toEqual(new Set(['attempt 1', 'attempt 2', 'attempt 3', 'attempt 4']));
      });

      it('lets exactly one of two racing terminal transitions win', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        await ledger.transition(input.requestId, 'issuing', {}, at(1000));
        await ledger.transition(input.requestId, 'issued', { tapId: randomUUID(), tapExpiresAt: at(3_600_000) }, at(2000));
        const results = await Promise.allSettled([
          ledger.transition(input.requestId, 'delivered', { channel: 'email' }, at(3000)),
          ledger.transition(input.requestId, 'superseded', {}, at(3000)),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const loser = results.find((r) => r.status === 'rejected');
        expect(loser?.reason).toMatchObject({ name: 'IllegalTransition' });
      });

      it('lists by status, target and time, newest first, up to the limit', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const a = newRequest({ targetId: target, at: at(1000) });
        const b = newRequest({ targetId: target, at: at(2000) });
        const c = newRequest({ targetId: target, at: at(3000) });
        const other = newRequest({ at: at(4000) });
        for (const r of [a, b, c, other]) await ledger.recordReceived(r);
        await ledger.transition(b.requestId, 'denied', { reasons: ['Cooldown'] }, at(5000));

        expect((await ledger.listRequests({ targetId: target, limit: 10 })).map((r) => r.requestId)).toEqual([c.requestId, b.requestId, a.requestId]);
        expect((await ledger.listRequests({ targetId: target, limit: 2 })).map((r) => r.requestId)).toEqual([c.requestId, b.requestId]);
        expect((await ledger.listRequests({ targetId: target, status: 'denied', limit: 10 })).map((r) => r.requestId)).toEqual([b.requestId]);
        expect((await ledger.listRequests({ targetId: target, since: at(2000), limit: 10 })).map((r) => r.requestId)).toEqual([c.requestId, b.requestId]);
        const all = await ledger.listRequests({ since: at(1000), limit: 100 });
        expect(all.map((r) => r.requestId)).toEqual(expect.arrayContaining([a.requestId, other.requestId]));
      });
    });

    describe('target lease and current TAP', () => {
      it('grants the lease to one owner at a time, re-entrant for the holder', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const lease = await ledger.acquireTargetLease(target, 'worker-a', 30_000, at(0));
        expect(lease).toMatchObject({ targetId: target, owner: 'worker-a', expiresAt: at(30_000) });
        expect(await ledger.acquireTargetLease(target, 'worker-b', 30_000, at(1000))).toBeNull();
        const again = await ledger.acquireTargetLease(target, 'worker-a', 30_000, at(2000));
        expect(again?.owner).toBe('worker-a');
        expect((await ledger.getTarget(target))?.leaseOwner).toBe('worker-a');
      });

      it('lets another owner take an expired lease, after which the old lease can write nothing', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const old = await ledger.acquireTargetLease(target, 'worker-a', 10_000, at(0));
        const taken = await ledger.acquireTargetLease(target, 'worker-b', 10_000, at(10_001));
        expect(taken?.owner).toBe('worker-b');
        const tap = { tapId: randomUUID(), requestId: randomUUID(), issuedAt: at(10_500), expiresAt: at(3_600_000) };
        expect(await rejection(ledger.setCurrentTap(old!, tap))).toBeInstanceOf(LeaseLostError);
        expect(await rejection(ledger.renewTargetLease(old!, 10_000, at(10_600)))).toBeInstanceOf(LeaseLostError);
        await ledger.releaseTargetLease(old!); // a no-op: it must not free worker-b's lease
        expect(await ledger.acquireTargetLease(target, 'worker-c', 10_000, at(11_000))).toBeNull();
        expect((await ledger.getTarget(target))?.currentTapId).toBeUndefined();
      });

      it('records the current TAP under the lease, keeps it after release, and frees the target', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const lease = await ledger.acquireTargetLease(target, 'worker-a', 30_000, at(0));
        const tap = { tapId: randomUUID(), requestId: randomUUID(), issuedAt: at(1000), expiresAt: at(3_600_000) };
        const after = await ledger.setCurrentTap(lease!, tap);
        expect(after.etag).not.toBe(lease!.etag);
        await ledger.releaseTargetLease(after);
        expect(await ledger.getTarget(target)).toEqual({
          targetId: target, currentTapId: tap.tapId, currentTapRequestId: tap.requestId,
          currentTapExpiresAt: tap.expiresAt.toISOString(), lastIssuedAt: tap.issuedAt.toISOString(),
        });
        const next = await ledger.acquireTargetLease(target, 'worker-b', 30_000, at(2000));
        expect(next?.owner).toBe('worker-b');
        expect(await rejection(ledger.setCurrentTap(after, { ...tap, tapId: randomUUID() }))).toBeInstanceOf(LeaseLostError);
        expect((await ledger.getTarget(target))?.currentTapId).toBe(tap.tapId);
      });

      it('renews a held lease and rejects a stale copy of it', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const lease = await ledger.acquireTargetLease(target, 'worker-a', 10_000, at(0));
        const renewed = await ledger.renewTargetLease(lease!, 10_000, at(9_000));
        expect(renewed.expiresAt).toEqual(at(19_000));
        expect(await ledger.acquireTargetLease(target, 'worker-b', 10_000, at(12_000))).toBeNull();
        expect(await rejection(ledger.setCurrentTap(lease!, { tapId: 'x', requestId: 'y', issuedAt: at(1), expiresAt: at(2) }))).toBeInstanceOf(LeaseLostError);
      });

      it('gives the lease to exactly one of several racing owners', async () => {
        const ledger = await factory();
        const target = randomUUID();
        const leases = await Promise.all(['a', 'b', 'c', 'd'].map((o) => ledger.acquireTargetLease(target, `worker-${o}`, 30_000, at(0))));
        const winners = leases.filter((l) => l !== null);
        expect(winners).toHaveLength(1);
        expect((await ledger.getTarget(target))?.leaseOwner).toBe(winners[0]?.owner);
      });

      it('returns null for a target never seen', async () => {
        const ledger = await factory();
        expect(await ledger.getTarget(randomUUID())).toBeNull();
      });
    });

    describe('quotas', () => {
      it('counts issues per requestor per UTC day', async () => {
        const ledger = await factory();
        const requestor = randomUUID();
        const day1 = new Date('2026-11-25T23:59:59.000Z');
        const day2 = new Date('2026-11-26T00:00:00.000Z');
        expect(await ledger.countIssuedToday(requestor, day1)).toBe(0);
        expect(await ledger.incrementIssued(requestor, day1)).toBe(1);
        expect(await ledger.incrementIssued(requestor, day1)).toBe(2);
        expect(await ledger.countIssuedToday(requestor, day1)).toBe(2);
        expect(await ledger.countIssuedToday(requestor, day2)).toBe(0);
        expect(await ledger.countIssuedToday(randomUUID(), day1)).toBe(0);
      });

      it('loses no increment under concurrency', async () => {
        const ledger = await factory();
        const requestor = randomUUID();
        const results = await Promise.all([1, 2, 3, 4, 5].map(() => ledger.incrementIssued(requestor, T0)));
        expect([...results].sort()).toEqual([1, 2, 3, 4, 5]);
        expect(await ledger.countIssuedToday(requestor, T0)).toBe(5);
      });
    });

    describe('audit', () => {
      it('appends events and lists them per request, oldest first, and since a time', async () => {
        const ledger = await factory();
        const requestId = randomUUID();
        await ledger.appendAudit({ requestId, actor: 'worker', action: 'request.denied', detail: { reasons: 'TargetIsAdmin' }, at: at(2000) });
        await ledger.appendAudit({ requestId, actor: 'worker', action: 'request.received', at: at(1000) });
        await ledger.appendAudit({ requestId: randomUUID(), actor: 'worker', action: 'request.received', at: at(1500) });
        await ledger.appendAudit({ actor: 'oncall@tapline', action: 'dlq.purged', detail: { queue: 'tap-requests', count: 3 }, at: at(3000) });

        const trail = await ledger.listAudit({ requestId });
        expect(trail.map((e) => e.action)).toEqual(['request.received', 'request.denied']);
        expect(trail[1]).toMatchObject({ requestId, actor: 'worker', detail: { reasons: 'TargetIsAdmin' }, at: at(2000).toISOString() });
        const recent = await ledger.listAudit({ since: at(2000) });
        expect(recent.map((e) => e.action)).toEqual(expect.arrayContaining(['request.denied', 'dlq.purged']));
        expect(recent.every((e) => e.at >= at(2000).toISOString())).toBe(true);
        const purge = recent.find((e) => e.action === 'dlq.purged');
        expect(purge?.requestId).toBeUndefined();
        expect(purge?.detail).toEqual({ queue: 'tap-requests', count: 3 });
      });
    });

    describe('nothing secret is stored', () => {
      it('scrubs free text on every write path', async () => {
        const ledger = await factory();
        const input = newRequest();
        await ledger.recordReceived(input);
        const leaky = `failed for ${SECRETS.email} at ${SECRETS.phone} with TAP ${SECRETS.tap} using ${SECRETS.bearer}`;
        await ledger.transition(input.requestId, 'received', { lastError: leaky, note: leaky, reasons: [SECRETS.tap] }, at(1000));
        await ledger.appendAudit({ requestId: input.requestId, actor: 'worker', action: 'request.retry', detail: { error: leaky }, at: at(1000) });
        const stored = JSON.stringify([await ledger.getRequest(input.requestId), await ledger.listAudit({ requestId: input.requestId })]);
        for (const secret of Object.values(SECRETS)) expect(stored).not.toContain(secret);
        expect(stored).not.toContain('5555551234');
        expect(stored).toContain('failed for');
      });
    });
  });
}
