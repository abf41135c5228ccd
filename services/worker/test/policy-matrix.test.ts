// The worker's decisions through the real handler with in-memory fakes: check 0 first (a call-out
// Graph does not confirm is refused and nothing is sent to anyone), then every row of DESIGN
// section 3 denies with its reason and makes no Graph write; the allowed case creates exactly one
// TAP and publishes it, sealed, after the ledger records it.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RetryableError, deliveryMessageId, denialMessageId, referenceIdFor } from '@tapline/domain';
import type { AssignmentRequestFacts, RefusalReason, ReportedReason, TapDeliveryMessage, TapDenialMessage, TapRequestMessage } from '@tapline/domain';
import { AUDIT } from '@tapline/worker';
import { U, harness, request, sha256 } from './support.js';
import type { Harness } from './support.js';

async function expectDenied(h: Harness, targetId: string, requestorId: string, reason: ReportedReason, extra: Partial<Parameters<typeof request>[2]> = {}): Promise<TapDenialMessage> {
  const writesBefore = h.tenant.writes.length;
  const msg = request(targetId, requestorId, extra);
  expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
  // A denial is a decision: no Graph write, no TAP.
  expect(h.tenant.writes.length).toBe(writesBefore);
  const record = await h.ledger.getRequest(msg.requestId);
  expect(record?.status).toBe('denied');
  expect(record?.reasons).toContain(reason);
  expect(h.metrics.value('tap.denial.reasons', { reason })).toBeGreaterThanOrEqual(1);
  const audit = await h.ledger.listAudit({ requestId: msg.requestId });
  expect(audit.map((e) => e.action)).toEqual(expect.arrayContaining([AUDIT.denied, AUDIT.denialPublished]));
  const denial = h.outcomes().find((o) => o.requestId === msg.requestId);
  expect(denial?.kind).toBe('denial');
  const d = denial as TapDenialMessage;
  expect(d.reasons).toContain(reason);
  expect(d.referenceId).toBe(referenceIdFor(msg.requestId));
  expect(d.callback).toEqual(msg.callback);
  expect(h.deliveries.sent.find((m) => m.messageId === denialMessageId(msg.requestId))).toBeDefined();
  return d;
}

/** A refusal: ledger `denied` with the reason, a security audit event, counted; no directory read, nothing written, nothing published. */
async function expectRefused(h: Harness, msg: TapRequestMessage, reason: RefusalReason, options: { unknownToGraph?: boolean } = {}): Promise<void> {
  const writesBefore = h.tenant.writes.length;
  const sentBefore = h.deliveries.sent.length;
  expect(await h.deliver(msg, options)).toEqual({ kind: 'complete' });
  expect(h.tenant.writes.length).toBe(writesBefore);
  // Nothing for the notifier: no delivery, no denial (so no manager notice and no resume).
  expect(h.deliveries.sent.length).toBe(sentBefore);
  // Nobody the call-out names is looked up, let alone contacted.
  expect(h.tenant.calls).not.toContain('getUser');
  expect(h.tenant.calls).not.toContain('contacts');
  expect(await h.ledger.getRequest(msg.requestId)).toMatchObject({ status: 'denied', reasons: [reason] });
  const audit = await h.ledger.listAudit({ requestId: msg.requestId });
  expect(audit.map((e) => e.action)).not.toContain(AUDIT.denied);
  expect(audit.find((e) => e.action === AUDIT.refused)?.detail).toMatchObject({ security: true, reasons: reason, claimedTargetId: msg.targetId, claimedRequestorId: msg.requestorId });
  expect(h.metrics.value('tap.refused', { reason })).toBe(1);
  expect(h.metrics.value('tap.denied', { reason })).toBe(0);
}

describe('check 0: the call-out must be the request Graph holds', () => {
  const cases: Record<Exclude<RefusalReason, 'RequestNotFound'>, Partial<AssignmentRequestFacts>> = {
    RequestorMismatch: { requestorObjectId: U.otherManager },
    TargetMismatch: { targetObjectId: U.bob },
    AccessPackageNotServed: { accessPackageId: U.otherPackage },
    RequestStateMismatch: { state: 'denied' },
    UnknownStageInstance: { calloutInstanceIds: [randomUUID()] },
  };

  it.each(Object.entries(cases))('refuses %s: nothing is sent to anyone', async (reason, facts) => {
    const h = harness();
    const msg = request(U.alice);
    h.entra(msg, facts);
    await expectRefused(h, msg, reason as RefusalReason);
  });

  it('refuses a request id Graph never saw, after reading it again a bounded number of times', async () => {
    const h = harness({ settings: { requestLookup: { attempts: 3, delayMs: 1 } } });
    await expectRefused(h, request(U.alice), 'RequestNotFound', { unknownToGraph: true });
    expect(h.tenant.calls.filter((c) => c === 'getAssignmentRequest')).toHaveLength(3);
  });

  it('issues for a request that becomes readable within the retry (replication lag)', async () => {
    const h = harness({ settings: { requestLookup: { attempts: 3, delayMs: 1 } } });
    const msg = request(U.alice);
    h.entra(msg, {}, { hiddenReads: 2 });
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toEqual([expect.objectContaining({ operation: 'createTap', subject: U.alice })]);
  });

  it('runs before check 1: an unhandled request Graph does not know is refused, not reported to Entra', async () => {
    const h = harness();
    await expectRefused(h, request(U.alice, U.manager, { requestType: 'userAdd' }), 'RequestNotFound', { unknownToGraph: true });
  });

  it('treats a Graph outage on the read as retryable, never as "not found"', async () => {
    const h = harness({ settings: { inProcessRetryBudgetMs: 0 } });
    const msg = request(U.alice);
    h.tenant.failNext('getAssignmentRequest', new RetryableError('getAssignmentRequest: Graph answered 503'));
    expect(await h.deliver(msg)).toMatchObject({ kind: 'retryLater', attempt: 1 });
    expect(await h.ledger.getRequest(msg.requestId)).toMatchObject({ status: 'received' });
    expect(await h.deliver(msg, { attempt: 2 })).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
  });

  it('keeps a refused request refused when it is delivered again, and still sends nothing', async () => {
    const h = harness();
    const msg = request(U.alice);
    h.entra(msg, { targetObjectId: U.bob });
    await expectRefused(h, msg, 'TargetMismatch');
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect(h.deliveries.sent).toHaveLength(0);
    expect(h.tenant.writes).toHaveLength(0);
    expect(h.metrics.value('tap.refused', { reason: 'TargetMismatch' })).toBe(1);
  });
});

describe('eligibility: each check denies with its reason and no Graph write', () => {
  it('requestor is not the manager', async () => {
    await expectDenied(harness(), U.alice, U.otherManager, 'RequestorNotManager');
  });

  it('a skip-level manager at the default depth 1 (allowed when the depth is configured)', async () => {
    await expectDenied(harness(), U.alice, U.director, 'RequestorNotManager');
    const deeper = harness({ eligibility: { maxManagerDepth: 2 } });
    expect(await deeper.deliver(request(U.alice, U.director))).toEqual({ kind: 'complete' });
    expect(deeper.tenant.writes).toHaveLength(1);
  });

  it('an admin by direct role', async () => {
    await expectDenied(harness(), U.adminByRole, U.manager, 'TargetPrivilegedRole');
  });

  it('an admin by group (a role through a role-assignable group)', async () => {
    await expectDenied(harness(), U.adminByGroup, U.manager, 'TargetPrivilegedRole');
  });

  it('an admin by PIM eligibility', async () => {
    await expectDenied(harness(), U.pimEligible, U.manager, 'TargetEligibleRole');
  });

  it('a member of an excluded group', async () => {
    await expectDenied(harness(), U.tier0, U.manager, 'TargetInExcludedGroup');
  });

  it('a guest (internal or external), and an external user even when guests are allowed', async () => {
    await expectDenied(harness(), U.guest, U.manager, 'TargetGuest');
    await expectDenied(harness(), U.external, U.manager, 'TargetGuest');
    await expectDenied(harness({ eligibility: { allowGuests: true } }), U.external, U.manager, 'TargetGuest');
  });

  it('a disabled user', async () => {
    await expectDenied(harness(), U.disabled, U.manager, 'TargetDisabled');
  });

  it('a self-request', async () => {
    await expectDenied(harness(), U.manager, U.manager, 'SelfRequest');
  });

  it('a manager changed an hour ago', async () => {
    await expectDenied(harness(), U.movedRecently, U.manager, 'ManagerRecentlyChanged');
    // With a one-hour quarantine the change is old enough.
    const h = harness({ eligibility: { managerChangeQuarantineHours: 1 } });
    expect(await h.deliver(request(U.movedRecently))).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(1);
  });

  it('a target in cooldown', async () => {
    const h = harness({ eligibility: { targetCooldownMinutes: 60 } });
    await h.deliver(request(U.alice));
    expect(h.tenant.writes).toHaveLength(1);
    h.advance(30 * 60_000);
    await expectDenied(h, U.alice, U.manager, 'TargetCooldown');
    h.advance(31 * 60_000);
    expect(await h.deliver(request(U.alice))).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toHaveLength(2);
  });

  it('a requestor over the daily quota', async () => {
    const h = harness({ eligibility: { requestorDailyQuota: 2 } });
    await h.deliver(request(U.alice));
    await h.deliver(request(U.bob));
    expect(h.tenant.writes).toHaveLength(2);
    await expectDenied(h, U.carol, U.manager, 'RequestorQuotaExceeded');
  });

  it('an unhandled request type or stage, before any directory read', async () => {
    const h = harness();
    await expectDenied(h, U.alice, U.manager, 'UnhandledRequest', { requestType: 'userAdd' });
    expect(h.tenant.calls).not.toContain('getUser');
  });

  it('reports every failing check, and seals only the manager\'s directory contacts into the denial', async () => {
    const h = harness();
    const d = await expectDenied(h, U.adminByRole, U.otherManager, 'TargetPrivilegedRole');
    expect(d.reasons).toEqual(['RequestorNotManager', 'TargetPrivilegedRole']);
    const contacts = h.openContacts(d);
    expect(contacts.ok && contacts.contacts.emails).toEqual(['other@contoso.example']);
  });
});

describe('an eligible request', () => {
  it('creates exactly one TAP, records it, then publishes one sealed delivery that opens to it', async () => {
    const h = harness();
    const msg = request(U.alice);
    expect(await h.deliver(msg)).toEqual({ kind: 'complete' });
    expect(h.tenant.writes).toEqual([expect.objectContaining({ operation: 'createTap', subject: U.alice })]);

    const outcomes = h.outcomes();
    expect(outcomes).toHaveLength(1);
    const delivery = outcomes[0] as TapDeliveryMessage;
    expect(delivery.kind).toBe('delivery');
    const current = h.tenant.currentTap(U.alice)!;
    expect(delivery.tapId).toBe(current.id);
    expect(sha256(h.openSecret(delivery))).toBe(current.sha256);
    const contacts = h.openContacts(delivery);
    // Office lines cannot receive SMS; contacts come from the directory, never the request.
    expect(contacts.ok && contacts.contacts).toMatchObject({ mobilePhones: ['+1 4255550110'], emails: ['alice@contoso.example'] });
    expect(delivery).toMatchObject({ lifetimeMinutes: 60, isUsableOnce: true, callback: msg.callback, targetId: U.alice, requestorId: U.manager });

    const sent = h.deliveries.sent[0]!;
    expect(sent.messageId).toBe(deliveryMessageId(msg.requestId, current.id));
    // TTL = the TAP's remaining life.
    expect(sent.timeToLiveMs).toBe(60 * 60_000);

    const record = await h.ledger.getRequest(msg.requestId);
    expect(record).toMatchObject({ status: 'issued', tapId: current.id });
    const target = await h.ledger.getTarget(U.alice);
    expect(target?.currentTapId).toBe(current.id);
    expect(target?.lastIssuedAt).toBeDefined();
    expect(target?.leaseOwner).toBeUndefined();
    expect(await h.ledger.countIssuedToday(U.manager, new Date('2026-11-25T12:00:00Z'))).toBe(1);
    expect(h.metrics.value('tap.issued')).toBe(1);
    expect(h.metrics.value('tap.received')).toBe(1);
    // The secret went to the redaction registry, and nowhere into the ledger or the audit trail.
    expect(h.secrets).toHaveLength(1);
    const secret = h.secrets[0]!;
    expect(JSON.stringify(record)).not.toContain(secret);
    expect(JSON.stringify(await h.ledger.listAudit({}))).not.toContain(secret);
    expect(JSON.stringify(h.deliveries.sent)).not.toContain(secret);
  });

  it('clamps the configured lifetime to the tenant policy and honours a policy that forces one-time use', async () => {
    const h = harness({ settings: { tapLifetimeMinutes: 24 * 60, tapIsUsableOnce: false } });
    h.tenant.setTapPolicy({ maximumLifetimeInMinutes: 240, isUsableOnce: true });
    await h.deliver(request(U.alice));
    const d = h.outcomes()[0] as TapDeliveryMessage;
    expect(d).toMatchObject({ lifetimeMinutes: 240, isUsableOnce: true });
  });

  it('reads the directory for the facts, never the payload', async () => {
    const h = harness();
    // The payload cannot make a guest eligible: the directory says Guest.
    await expectDenied(h, U.guest, U.manager, 'TargetGuest');
    expect(h.tenant.calls).toEqual(expect.arrayContaining(['getUser', 'managerChain', 'activeRoleCount', 'eligibleRoleCount', 'groupMemberships', 'deltaRound', 'auditChanges']));
  });
});
