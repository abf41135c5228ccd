import { randomUUID } from 'node:crypto';
import { RetryableError } from '@tapline/domain';
import { describe, expect, it } from 'vitest';
import { aDelivery, aDenial, callbackFor, harness, seedDenied, seedIssued } from './builders.js';

const SECRET = 'Xk7#pQ2!mW9z';

describe('after delivery: Entra resume', () => {
  it('resumes a waiting request with a short detail and no state', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId, 'assignmentRequestGranted') });
    await seedIssued(h.ledger, d);

    await h.handle(d);

    expect(h.entra.calls).toEqual([{
      callbackPath: d.callback!.uriPath, stage: 'assignmentRequestGranted', stageInstanceId: d.callback!.stageInstanceId,
      detail: 'Temporary Access Pass delivered by SMS.',
    }]);
    expect((await h.ledger.listAudit({ requestId })).map((e) => e.action)).toContain('entra.resumed');
  });

  it('does not resume when the extension does not wait (no callback)', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    await h.handle(d);
    expect(h.entra.calls).toHaveLength(0);
  });

  it('retries a failed resume on its own: the TAP is recorded first and never sent twice', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedIssued(h.ledger, d);
    h.entra.answers.push(new RetryableError('resume: Graph answered 503'));

    expect(await h.handle(d)).toMatchObject({ kind: 'retryLater' });
    expect((await h.ledger.getRequest(requestId))?.status).toBe('delivered');

    expect(await h.handle(d, 2)).toEqual({ kind: 'complete' });
    expect(h.sms.calls).toHaveLength(1);
    expect(h.entra.calls).toHaveLength(2);
    // A third copy (a duplicate) finds everything done.
    await h.handle(d, 3);
    expect(h.entra.calls).toHaveLength(2);
    expect(h.sms.calls).toHaveLength(1);
  });

  it('records a resume Graph refuses for good (request no longer waiting) and completes', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedIssued(h.ledger, d);
    h.entra.answers.push({ ok: false, status: 400, code: 'BadRequest' });
    expect(await h.handle(d)).toEqual({ kind: 'complete' });
    const trail = await h.ledger.listAudit({ requestId });
    expect(trail.find((e) => e.action === 'entra.resume_failed')?.detail).toMatchObject({ status: 400 });
  });
});

describe('after delivery: the manager confirmation', () => {
  it('emails the manager without the secret, with the number masked to its last two digits', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { secret: SECRET, contacts: { mobilePhones: ['+1 5555550142'], emails: ['bob@contoso.example'] } });
    h.managers.emails.set(d.requestorId, 'alice.manager@contoso.example');
    await seedIssued(h.ledger, d);

    await h.handle(d);

    const confirmation = h.inbox.messages.find((m) => m.to === 'alice.manager@contoso.example');
    expect(confirmation?.body).toContain('by SMS to the number ending 42');
    expect(confirmation?.body).toMatch(/Reference: TL-[0-9A-F]{8}/);
    for (const part of [confirmation?.body, confirmation?.subject, confirmation?.html]) {
      expect(part).not.toContain(SECRET);
      expect(part).not.toContain('5555550142');
    }
  });

  it('masks an email contact when the TAP went by email', async () => {
    const h = harness({ channelOrder: ['email'] });
    const d = aDelivery(h.ring, { contacts: { mobilePhones: [], emails: ['bob.smith@contoso.example'] } });
    h.managers.emails.set(d.requestorId, 'alice.manager@contoso.example');
    await seedIssued(h.ledger, d);
    await h.handle(d);
    const confirmation = h.inbox.messages.find((m) => m.to === 'alice.manager@contoso.example');
    expect(confirmation?.body).toContain('by email to b***@contoso.example');
    expect(confirmation?.body).not.toContain('bob.smith');
  });

  it('sends no confirmation when notices are off, and records a skip when no address is known', async () => {
    const off = harness({ managerNotices: false });
    const d1 = aDelivery(off.ring);
    off.managers.emails.set(d1.requestorId, 'alice.manager@contoso.example');
    await seedIssued(off.ledger, d1);
    await off.handle(d1);
    expect(off.email.calls).toHaveLength(0);

    const unknown = harness();
    const d2 = aDelivery(unknown.ring);
    await seedIssued(unknown.ledger, d2);
    await unknown.handle(d2);
    expect(unknown.email.calls).toHaveLength(0);
    expect((await unknown.ledger.listAudit({ requestId: d2.requestId })).map((e) => e.action)).toContain('manager.notice_skipped');
  });

  it('finishes a confirmation that failed transiently on the retry, with the same mask and Operation-Id', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: ['+1 5555550101', '+1 5555550177'], emails: [] } });
    h.managers.emails.set(d.requestorId, 'alice.manager@contoso.example');
    h.sms.behaviour.set('+15555550101', { status: 'rejected', code: 'sms-400' });
    h.email.behaviour.set('alice.manager@contoso.example', [new RetryableError('acs-email answered 503')]);
    await seedIssued(h.ledger, d);

    expect(await h.handle(d)).toMatchObject({ kind: 'retryLater' });
    expect(await h.handle(d, 2)).toEqual({ kind: 'complete' });

    expect(h.email.calls).toHaveLength(2);
    expect(h.email.calls[1]).toEqual(h.email.calls[0]);
    expect(h.email.calls[1]!.content.plainText).toContain('ending 77');
    expect(h.inbox.messages.filter((m) => m.channel === 'sms')).toHaveLength(1);
  });
});

describe('after delivery: a busy email channel never holds up TAP deliveries', () => {
  it('defers the confirmation to a later attempt (TAP recorded, nothing resent), then sends it', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    h.managers.emails.set(d.requestorId, 'alice.manager@contoso.example');
    await seedIssued(h.ledger, d);
    h.emailBacklogMs = 45_000;

    const first = await h.handle(d);
    expect(first).toMatchObject({ kind: 'retryLater', attempt: 1 });
    expect((first as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(45_000);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('delivered');
    expect(h.email.calls).toHaveLength(0);

    h.emailBacklogMs = 0;
    expect(await h.handle(d, 2)).toEqual({ kind: 'complete' });
    expect(h.email.calls).toHaveLength(1);
    expect(h.sms.calls).toHaveLength(1);
  });

  it('gives the notice up (audited) on the last attempt instead of waiting or dead-lettering', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { lifetimeMinutes: 480 });
    h.managers.emails.set(d.requestorId, 'alice.manager@contoso.example');
    await seedIssued(h.ledger, d);
    h.emailBacklogMs = 45_000;
    expect(await h.handle(d, 10)).toEqual({ kind: 'complete' });
    expect(h.email.calls).toHaveLength(0);
    const failed = (await h.ledger.listAudit({ requestId: d.requestId })).find((e) => e.action === 'manager.notice_failed');
    expect(failed?.detail).toMatchObject({ code: 'email-busy' });
  });
});

describe('denials', () => {
  it('denies in Entra and sends the manager a notice that reveals no protected reason', async () => {
    const h = harness();
    const requestId = randomUUID();
    const denial = aDenial(h.ring, { requestId, reasons: ['TargetPrivilegedRole', 'TargetCooldown'], callback: callbackFor(requestId) });
    await seedDenied(h.ledger, denial);

    expect(await h.handle(denial)).toEqual({ kind: 'complete' });

    expect(h.entra.calls).toMatchObject([{ state: 'denied' }]);
    expect(h.entra.calls[0]!.detail).toContain(denial.referenceId);
    const notice = h.inbox.messages[0]!;
    expect(notice.to).toBe('alice.manager@contoso.example');
    expect(notice.body).toContain(denial.referenceId);
    expect(notice.body).toMatch(/not eligible/);
    for (const text of [notice.body, notice.subject, notice.html, h.entra.calls[0]!.detail]) {
      expect(text).not.toMatch(/admin|role|privileg|cooldown|audit/i);
    }
    const audit = await h.ledger.listAudit({ requestId });
    expect(audit.find((e) => e.action === 'manager.notified')?.detail).toMatchObject({ reasons: 'TargetPrivilegedRole,TargetCooldown' });
    expect(h.metrics.value('tap.denial_reported', { reason: 'TargetPrivilegedRole' })).toBe(1);
    expect(h.metrics.value('manager.notices', { kind: 'denial', outcome: 'sent' })).toBe(1);
  });

  it('falls back to a plain resume with a "not fulfilled" detail when Graph refuses the denial (400)', async () => {
    const h = harness();
    const requestId = randomUUID();
    const denial = aDenial(h.ring, { requestId, callback: callbackFor(requestId, 'assignmentRequestGranted') });
    h.entra.refuseDenialAt.add('assignmentRequestGranted');
    await seedDenied(h.ledger, denial);

    await h.handle(denial);

    expect(h.entra.calls).toHaveLength(2);
    expect(h.entra.calls[0]).toMatchObject({ state: 'denied' });
    expect(h.entra.calls[1]!.state).toBeUndefined();
    expect(h.entra.calls[1]!.detail).toMatch(/^Not fulfilled/);
    const resumed = (await h.ledger.listAudit({ requestId })).find((e) => e.action === 'entra.resumed');
    expect(resumed?.detail).toMatchObject({ fellBack: true, state: 'continued' });
  });

  it('a retried denial repeats neither the resume nor the notice', async () => {
    const h = harness();
    const requestId = randomUUID();
    const denial = aDenial(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedDenied(h.ledger, denial);
    await h.handle(denial);
    await h.handle(denial, 2);
    expect(h.entra.calls).toHaveLength(1);
    expect(h.email.calls).toHaveLength(1);
  });
});
