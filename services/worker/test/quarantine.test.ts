// The manager-change quarantine and the contact guard through the real handler, with the in-memory
// tenant's users/delta and audit log behind the real directory watch and audit feed. A manager
// changed with `updateUser` is in users/delta at once but not in the audit log: the audit log's
// ingestion delay, which the watch exists to close.
import { describe, expect, it } from 'vitest';
import { PermanentError } from '@tapline/domain';
import type { TapDeliveryMessage } from '@tapline/domain';
import { decideHistory } from '@tapline/worker';
import type { AuditView, HistorySettings } from '@tapline/worker';
import { U, harness, request } from './support.js';

const HOUR = 3_600_000;

async function statusOf(h: ReturnType<typeof harness>, requestId: string) {
  return h.ledger.getRequest(requestId);
}

describe('the quarantine decides from the watch and the audit log, the stricter wins', () => {
  it('denies a manager change the audit log does not show yet, seen by a watch round that started after the request', async () => {
    const h = harness();
    expect(await h.deliver(request(U.alice))).toEqual({ kind: 'complete' }); // the watch's first round
    expect(h.tenant.writes).toHaveLength(1);
    h.advance(60_000);
    // The attacker sets themselves as Bob's manager and asks at once: users/delta has it, the audit log not yet.
    h.tenant.updateUser(U.bob, { managerId: U.otherManager });
    const msg = request(U.bob, U.otherManager, { receivedAt: new Date(Date.parse('2026-11-25T10:01:00Z')).toISOString() });
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    const record = await statusOf(h, msg.requestId);
    expect(record?.status).toBe('denied');
    expect(record?.reasons).toEqual(['ManagerRecentlyChanged']);
    expect(h.tenant.writes).toHaveLength(1); // no TAP write for Bob
  });

  it('denies on the audit log alone when the watch saw nothing (the change predates its first round)', async () => {
    const h = harness();
    await expect(h.deliver(request(U.movedRecently))).resolves.toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(0);
  });

  it('waits (a delayed retry saying what for) while the watch is younger than the quarantine and the audit log has not caught up', async () => {
    const h = harness({ history: { auditLatencyMs: 15 * 60_000 } });
    const msg = request(U.alice);
    const outcome = await h.deliver(msg);
    expect(outcome).toMatchObject({ kind: 'retryLater' });
    const record = await statusOf(h, msg.requestId);
    expect(record?.timeline.at(-1)?.note).toMatch(/^waiting for the audit log to cover the directory watch's first round/);
    expect(h.tenant.writes).toHaveLength(0);
    // Fifteen minutes and an audit read later, the audit log vouches for the time before the first round.
    h.advance(16 * 60_000);
    expect(await h.deliver({ ...msg, attempt: 2 }, { attempt: 2 })).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
  });

  it('denies ChangeHistoryUnavailable when neither source can be read, never a pass', async () => {
    const h = harness();
    h.tenant.failNext('deltaRound', new PermanentError('GraphForbidden', 'usersDelta: Graph answered 403'));
    h.tenant.failNext('auditChanges', new PermanentError('GraphForbidden', 'directoryAudits: Graph answered 403'));
    const msg = request(U.alice);
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect((await statusOf(h, msg.requestId))?.reasons).toEqual(['ChangeHistoryUnavailable']);
    expect(h.tenant.writes).toHaveLength(0);
  });
});

describe('the contact guard', () => {
  it('refuses with ContactsRecentlyChanged when the only channel (mail) changed within the quarantine', async () => {
    const h = harness();
    await h.deliver(request(U.carol)); // first round
    h.advance(60_000);
    h.tenant.updateUser(U.noContact, { mail: 'leo.new@contoso.example' });
    h.advance(10_000);
    const msg = request(U.noContact, U.manager, { receivedAt: new Date(Date.parse('2026-11-25T10:01:10Z')).toISOString() });
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    const record = await statusOf(h, msg.requestId);
    expect(record?.status).toBe('denied');
    expect(record?.reasons).toEqual(['ContactsRecentlyChanged']);
    expect(h.tenant.writes).toHaveLength(1); // Carol's only
  });

  it('does not use a phone registered within the quarantine; the older channel still works', async () => {
    const h = harness();
    h.tenant.registerPhone(U.bob, 'mobile', '+1 4255550166', new Date(Date.parse('2026-11-25T09:59:00Z')));
    const msg = request(U.bob);
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    const delivery = h.outcomes().find((o) => o.requestId === msg.requestId) as TapDeliveryMessage;
    expect(delivery.kind).toBe('delivery');
    const opened = h.openContacts(delivery);
    expect(opened.ok && opened.contacts).toMatchObject({ mobilePhones: [], emails: ['bob@contoso.example'] });
  });
});

describe('decideHistory (the rules without I/O)', () => {
  const settings: HistorySettings = { quarantineMs: 24 * HOUR, auditLatencyMs: 15 * 60_000, freshnessMs: 5_000, waitMs: 1_000 };
  const now = new Date('2026-12-07T12:00:00Z');
  const view = (readAt: Date, changes: AuditView['changesFor'] = () => []): AuditView => ({ readAt, coveredFrom: new Date(now.getTime() - 24 * HOUR), changesFor: changes });
  const user = { userId: 'u', managerId: 'm', mailHash: 'h' };

  it('trusts a watch that has run for the whole quarantine without the audit log (but then no phone: only the audit log knows them)', () => {
    const state = { round: 900, firstRoundStartedAt: new Date(now.getTime() - 25 * HOUR).toISOString() };
    expect(decideHistory({ watch: { ok: { state, user } }, audit: { failed: 'permanent', why: '403' }, targetId: 'u', now, settings })).toEqual({
      kind: 'known', contacts: { excludeMail: false, excludePhoneTypes: ['mobile', 'alternateMobile', 'office'] },
    });
    // Slow rather than gone: wait for it.
    expect(() => decideHistory({ watch: { ok: { state, user } }, audit: { failed: 'transient', why: 'a 429' }, targetId: 'u', now, settings })).toThrow(/^waiting for the audit log/);
  });

  it('on day one, trusts only an audit read made one latency after the first round', () => {
    const first = new Date(now.getTime() - 10 * 60_000);
    const state = { round: 3, firstRoundStartedAt: first.toISOString() };
    expect(() => decideHistory({ watch: { ok: { state, user } }, audit: { ok: view(now) }, targetId: 'u', now, settings })).toThrow(/waiting for the audit log to cover/);
    const later = new Date(first.getTime() + 15 * 60_000);
    expect(decideHistory({ watch: { ok: { state, user } }, audit: { ok: view(later) }, targetId: 'u', now: later, settings })).toMatchObject({ kind: 'known' });
  });

  it('a recent change from either source denies even when the other cannot be read', () => {
    const state = { round: 3, firstRoundStartedAt: new Date(now.getTime() - 48 * HOUR).toISOString() };
    const changed = { ...user, managerChangedAt: new Date(now.getTime() - 60_000).toISOString() };
    expect(decideHistory({ watch: { ok: { state, user: changed } }, audit: { failed: 'permanent', why: '403' }, targetId: 'u', now, settings }))
      .toMatchObject({ kind: 'known', managerChangedAt: new Date(now.getTime() - 60_000) });
    const fromAudit = view(now, () => [{ userId: 'u', at: new Date(now.getTime() - HOUR), kind: 'manager' }]);
    expect(decideHistory({ watch: { failed: 'transient', why: 'slow' }, audit: { ok: fromAudit }, targetId: 'u', now, settings }))
      .toMatchObject({ kind: 'known', managerChangedAt: new Date(now.getTime() - HOUR) });
  });

  it('a watch that cannot run is unavailable; a slow one is a wait', () => {
    expect(decideHistory({ watch: { failed: 'permanent', why: '403' }, audit: { ok: view(now) }, targetId: 'u', now, settings })).toMatchObject({ kind: 'unavailable' });
    expect(() => decideHistory({ watch: { failed: 'transient', why: 'slow' }, audit: { ok: view(now) }, targetId: 'u', now, settings })).toThrow(/^waiting for a directory watch round/);
  });
});
