import { randomUUID } from 'node:crypto';
import { RetryableError } from '@tapline/domain';
import { describe, expect, it } from 'vitest';
import { aDelivery, callbackFor, harness, seedIssued, T0 } from './builders.js';

const SECRET = 'Xk7#pQ2!mW9z';

describe('delivery: the happy path', () => {
  it('sends the TAP by SMS to the E.164 form of the directory number and records it', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { secret: SECRET, contacts: { mobilePhones: ['+1 5555550142x77'], emails: ['bob@contoso.example'] } });
    await seedIssued(h.ledger, d);

    expect(await h.handle(d)).toEqual({ kind: 'complete' });

    expect(h.inbox.messages).toHaveLength(1);
    expect(h.inbox.messages[0]).toMatchObject({ channel: 'sms', to: '+15555550142' });
    expect(h.inbox.messages[0]!.body).toContain(SECRET);
    const record = await h.ledger.getRequest(d.requestId);
    expect(record).toMatchObject({ status: 'delivered', channel: 'sms', providerMessageId: 'sms-1' });
    const trail = await h.ledger.listAudit({ requestId: d.requestId });
    expect(trail.map((e) => e.action)).toContain('delivery.sent');
    expect(JSON.stringify(trail)).not.toContain(SECRET);
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(h.secrets).toEqual([SECRET]);
    expect(h.metrics.value('tap.delivered', { channel: 'sms' })).toBe(1);
  });
});

describe('delivery: supersession and expiry', () => {
  it('sends nothing and records superseded when the target has a newer TAP', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { callback: undefined });
    await seedIssued(h.ledger, d, randomUUID());

    expect(await h.handle(d)).toEqual({ kind: 'complete' });

    expect(h.sms.calls).toHaveLength(0);
    expect(h.email.calls).toHaveLength(0);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('superseded');
  });

  it('tells a waiting Entra that the superseded request was not fulfilled', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedIssued(h.ledger, d, randomUUID());

    await h.handle(d);

    expect(h.entra.calls).toHaveLength(1);
    expect(h.entra.calls[0]).toMatchObject({ state: 'denied', stageInstanceId: d.callback!.stageInstanceId });
    expect(h.entra.calls[0]!.detail).toMatch(/newer request/);
  });

  it('dead-letters TapExpired, sends nothing, when the TAP is expired or inside the safety margin', async () => {
    for (const clock of [new Date(T0.getTime() + 61 * 60_000), new Date(T0.getTime() + 59 * 60_000)]) {
      const h = harness({ expirySafetyMarginMs: 120_000 });
      const d = aDelivery(h.ring, { lifetimeMinutes: 60 });
      await seedIssued(h.ledger, d);
      h.clock = clock;

      const outcome = await h.handle(d);

      expect(outcome).toMatchObject({ kind: 'deadLetter', reason: 'TapExpired' });
      expect(h.sms.calls).toHaveLength(0);
      expect(h.email.calls).toHaveLength(0);
      expect(await h.ledger.getRequest(d.requestId)).toMatchObject({ status: 'dead-lettered', reasons: ['TapExpired'] });
      expect(h.metrics.value('tap.dead_lettered', { queue: 'tap-deliveries', reason: 'TapExpired' })).toBe(1);
    }
  });

  it('prefers superseded over expired (a superseded TAP is never re-issued)', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d, randomUUID());
    h.clock = new Date(T0.getTime() + 2 * 3_600_000);
    expect(await h.handle(d)).toEqual({ kind: 'complete' });
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('superseded');
  });

  it('completes a stale delivery whose TAP the worker re-issued within the same request', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    const older = aDelivery(h.ring, { requestId: d.requestId, targetId: d.targetId, requestorId: d.requestorId });
    expect(await h.handle(older)).toEqual({ kind: 'complete' });
    expect(h.sms.calls).toHaveLength(0);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('issued');
  });
});

describe('delivery: channel order and fallback', () => {
  it('uses email first when the channel order says so', async () => {
    const h = harness({ channelOrder: ['email', 'sms'] });
    const d = aDelivery(h.ring, { secret: SECRET });
    await seedIssued(h.ledger, d);
    await h.handle(d);
    expect(h.sms.calls).toHaveLength(0);
    expect(h.inbox.messages).toMatchObject([{ channel: 'email', to: 'bob@contoso.example' }]);
    expect(h.inbox.messages[0]!.subject).not.toContain(SECRET);
    expect(h.inbox.messages[0]!.body).toContain(SECRET);
    expect(h.inbox.messages[0]!.html).toContain(SECRET.replace('#', '#').replace('!', '!'));
    expect((await h.ledger.getRequest(d.requestId))?.channel).toBe('email');
  });

  it('falls back from a number ACS rejects to the next mobile, then to email', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: ['+1 5555550101', '+44 7700900123'], emails: ['bob@contoso.example'] } });
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550101', { status: 'rejected', code: 'sms-400' });
    h.sms.behaviour.set('+447700900123', { status: 'rejected', code: 'sms-400' });

    expect(await h.handle(d)).toEqual({ kind: 'complete' });

    expect(h.sms.calls.map((c) => c.to)).toEqual(['+15555550101', '+447700900123']);
    expect(h.inbox.messages).toMatchObject([{ channel: 'email' }]);
    expect((await h.ledger.getRequest(d.requestId))?.channel).toBe('email');
  });

  it('skips a number that cannot be made E.164 without calling ACS', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: ['+1 555555'], emails: ['bob@contoso.example'] } });
    await seedIssued(h.ledger, d);
    await h.handle(d);
    expect(h.sms.calls).toHaveLength(0);
    expect(h.inbox.messages).toMatchObject([{ channel: 'email' }]);
  });

  it('stops trying a channel ACS refuses as a whole (e.g. 401) and moves to the next channel', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: ['+1 5555550101', '+1 5555550102'], emails: ['bob@contoso.example'] } });
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550101', { status: 'refused', code: 'sms-401:Unauthorized' });
    await h.handle(d);
    expect(h.sms.calls).toHaveLength(1);
    expect(h.inbox.messages).toMatchObject([{ channel: 'email' }]);
  });

  it('dead-letters NoDeliverableContact when nothing accepts the TAP, without a contact in the description', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: ['+1 5555550101'], emails: ['bob@contoso.example'] } });
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550101', { status: 'rejected', code: 'sms-400' });
    h.email.behaviour.set('bob@contoso.example', { status: 'rejected', code: 'email-failed' });

    const outcome = await h.handle(d);

    expect(outcome).toMatchObject({ kind: 'deadLetter', reason: 'NoDeliverableContact' });
    const description = (outcome as { description: string }).description;
    expect(description).not.toMatch(/5555550101|bob@/);
    expect(await h.ledger.getRequest(d.requestId)).toMatchObject({ status: 'failed', reasons: ['NoDeliverableContact'] });
  });

  it('dead-letters NoDeliverableContact for an empty contact list', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { contacts: { mobilePhones: [], emails: [] } });
    await seedIssued(h.ledger, d);
    expect(await h.handle(d)).toMatchObject({ kind: 'deadLetter', reason: 'NoDeliverableContact' });
  });
});

describe('delivery: retries never yield a second, different message', () => {
  it('a duplicate of a delivered message sends nothing more', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    await h.handle(d);
    await h.handle(d);
    expect(h.sms.calls).toHaveLength(1);
    expect(h.inbox.messages).toHaveLength(1);
  });

  it('two copies handled at the same time send one message and run the follow-ups once', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedIssued(h.ledger, d);
    const outcomes = await Promise.all([h.handle(d), h.handle(d)]);
    expect(outcomes).toEqual([{ kind: 'complete' }, { kind: 'complete' }]);
    expect(h.inbox.messages.filter((m) => m.channel === 'sms')).toHaveLength(1);
    expect(h.entra.calls).toHaveLength(1);
  });

  it('a crash between send and record re-sends with the same keys and content, so one message arrives', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    // The first attempt "dies" right after ACS accepted: the record never happens.
    let crashes = 0;
    h.deps = { ...h.deps, crash: (point) => { if (point === 'after-send' && crashes++ === 0) throw new TypeError('simulated crash'); } };
    expect(await h.handle(d)).toMatchObject({ kind: 'abandon' });
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('issued');
    h.clock = new Date(h.clock.getTime() + 90_000); // redelivered after the lock expired

    expect(await h.handle(d)).toEqual({ kind: 'complete' });

    expect(h.sms.calls).toHaveLength(2);
    const [first, second] = h.sms.calls;
    expect(second).toEqual(first); // same id, same first-sent date, same text
    expect(h.inbox.messages).toHaveLength(1);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('delivered');
  });

  it('a crash between the delivered status and its audit event: the redelivery writes the missing delivery.sent, sending nothing', async () => {
    const h = harness();
    const requestId = randomUUID();
    const d = aDelivery(h.ring, { requestId, callback: callbackFor(requestId) });
    await seedIssued(h.ledger, d);
    h.managers.emails.set(d.requestorId, 'mgr@contoso.example');
    // The first attempt "dies" after `delivered` is recorded, before `delivery.sent` is appended.
    const appendAudit = h.ledger.appendAudit.bind(h.ledger);
    let crashes = 0;
    h.deps = {
      ...h.deps,
      ledger: {
        ...h.ledger,
        appendAudit: async (event) => {
          if (event.action === 'delivery.sent' && crashes++ === 0) throw new TypeError('simulated crash');
          return appendAudit(event);
        },
      },
    };
    expect(await h.handle(d)).toMatchObject({ kind: 'abandon' });
    const record = await h.ledger.getRequest(d.requestId);
    expect(record).toMatchObject({ status: 'delivered', channel: 'sms', providerMessageId: 'sms-1' });
    const actions = async (): Promise<string[]> => (await h.ledger.listAudit({ requestId })).map((e) => e.action);
    expect(await actions()).not.toContain('delivery.sent');
    h.clock = new Date(h.clock.getTime() + 90_000); // redelivered after the lock expired

    expect(await h.handle(d)).toEqual({ kind: 'complete' });

    expect(h.sms.calls).toHaveLength(1);
    expect(h.inbox.messages.filter((m) => m.channel === 'sms')).toHaveLength(1);
    const sent = (await h.ledger.listAudit({ requestId })).filter((e) => e.action === 'delivery.sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      actor: 'notifier',
      at: record!.timeline.find((e) => e.status === 'delivered')!.at,
      detail: { tapId: d.tapId, channel: 'sms', providerMessageId: 'sms-1', contactIndex: null, recordedOnRedelivery: true },
    });
    // Recorded before the follow-ups, which then still ran once.
    const trail = await actions();
    expect(trail.indexOf('delivery.sent')).toBeLessThan(trail.indexOf('entra.resumed'));
    expect(h.entra.calls).toHaveLength(1);
    const confirmation = h.inbox.messages.filter((m) => m.channel === 'email');
    expect(confirmation).toHaveLength(1);
    expect(confirmation[0]!.body).toContain('the number ending 42'); // the single SMS contact still gives the mask
    expect(h.metrics.value('tap.delivered', { channel: 'sms' })).toBe(1);

    // A later duplicate finds the event and adds nothing.
    expect(await h.handle(d)).toEqual({ kind: 'complete' });
    expect((await actions()).filter((a) => a === 'delivery.sent')).toHaveLength(1);
    expect(h.sms.calls).toHaveLength(1);
  });

  it('a duplicate arriving right after delivered was recorded, before its event, retries later instead of writing a second event', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    // As if another copy recorded `delivered` a moment ago and is about to append its event.
    await h.ledger.transition(d.requestId, 'delivered', { channel: 'sms', providerMessageId: 'sms-9' }, h.clock);
    h.clock = new Date(h.clock.getTime() + 1_000);

    expect(await h.handle(d)).toMatchObject({ kind: 'retryLater' });
    expect((await h.ledger.listAudit({ requestId: d.requestId })).map((e) => e.action)).not.toContain('delivery.sent');
    expect(h.sms.calls).toHaveLength(0);

    h.clock = new Date(h.clock.getTime() + 30_000); // that copy never wrote it: it died
    expect(await h.handle(d, 2)).toEqual({ kind: 'complete' });
    const sent = (await h.ledger.listAudit({ requestId: d.requestId })).filter((e) => e.action === 'delivery.sent');
    expect(sent.map((e) => e.detail)).toEqual([expect.objectContaining({ providerMessageId: 'sms-9', recordedOnRedelivery: true })]);
    expect(h.sms.calls).toHaveLength(0);
  });

  it('keeps the first-sent date of the first attempt, and takes a fresh one once ACS has forgotten the id', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550142', [new RetryableError('acs-sms answered 503'), new RetryableError('acs-sms answered 503')]);
    expect(await h.handle(d)).toMatchObject({ kind: 'retryLater', attempt: 1 });
    const trail = await h.ledger.listAudit({ requestId: d.requestId });
    expect(trail.filter((e) => e.action === 'delivery.sending')).toHaveLength(1);
    const startedAt = h.clock;

    h.clock = new Date(startedAt.getTime() + 60_000);
    expect(await h.handle(d, 2)).toMatchObject({ kind: 'retryLater', attempt: 2 });
    h.clock = new Date(startedAt.getTime() + 10 * 60_000);
    expect(await h.handle(d, 3)).toEqual({ kind: 'complete' });

    const sent = h.sms.calls.map((c) => c.repeatabilityFirstSent);
    expect(sent[0]).toBe(startedAt.toUTCString());
    expect(sent[1]).toBe(startedAt.toUTCString());
    expect(sent[2]).toBe(h.clock.toUTCString());
    expect(new Set(h.sms.calls.map((c) => c.repeatabilityRequestId)).size).toBe(1);
    expect(new Set(h.sms.calls.map((c) => c.text)).size).toBe(1);
  });

  it('turns a retryable failure into a delayed retry, and records the attempt', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550142', new RetryableError('acs-sms answered 429', { retryAfterMs: 45_000 }));
    const outcome = await h.handle(d);
    expect(outcome).toMatchObject({ kind: 'retryLater', attempt: 1 });
    expect((outcome as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(45_000);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('issued');
    const retries = (await h.ledger.listAudit({ requestId: d.requestId })).filter((e) => e.action === 'delivery.retry_scheduled');
    expect(retries).toMatchObject([{ detail: { attempt: 1 } }]);
  });

  it('dead-letters TapExpired instead of scheduling a retry that would arrive after expiry', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { lifetimeMinutes: 60 });
    await seedIssued(h.ledger, d);
    h.clock = new Date(T0.getTime() + 57.75 * 60_000); // retry in ~27 s lands inside the 2 min margin
    h.sms.behaviour.set('+15555550142', new RetryableError('acs-sms answered 503'));
    expect(await h.handle(d)).toMatchObject({ kind: 'deadLetter', reason: 'TapExpired' });
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('dead-lettered');
  });

  it('dead-letters RetriesExhausted after the last attempt of the schedule', async () => {
    const h = harness();
    const d = aDelivery(h.ring, { lifetimeMinutes: 600 });
    await seedIssued(h.ledger, d);
    h.sms.behaviour.set('+15555550142', new RetryableError('acs-sms answered 503'));
    expect(await h.handle(d, 10)).toMatchObject({ kind: 'deadLetter', reason: 'RetriesExhausted' });
  });

  it('waits (retries later) for a request the worker has not finished recording, sending nothing', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    await h.ledger.recordReceived({ requestId: d.requestId, targetId: d.targetId, requestorId: d.requestorId, referenceId: 'TL-00000000', at: T0 });
    await h.ledger.transition(d.requestId, 'issuing', {}, T0);
    expect(await h.handle(d)).toMatchObject({ kind: 'retryLater' });
    expect(h.sms.calls).toHaveLength(0);
  });

  it('dead-letters SealedDataInvalid when the sealed secret was bound to another TAP', async () => {
    const h = harness();
    const d = aDelivery(h.ring);
    const other = aDelivery(h.ring, { requestId: d.requestId });
    const tampered = { ...d, sealedSecret: other.sealedSecret };
    await seedIssued(h.ledger, d);
    expect(await h.handle(tampered)).toMatchObject({ kind: 'deadLetter', reason: 'SealedDataInvalid' });
    expect(h.sms.calls).toHaveLength(0);
    expect((await h.ledger.getRequest(d.requestId))?.status).toBe('failed');
  });
});
