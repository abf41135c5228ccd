// The notifier as a process against the emulator, Azurite, the ACS simulator and the tenant
// simulator, each its own process (issue 7, "Done when"). Deliveries are sealed and the ledger is
// seeded the way the worker does it, so no worker is needed. Scenarios run in order because the
// later ones need differently configured notifiers on the same queue.
import { randomUUID } from 'node:crypto';
import { denialMessageId, encodeDeliveryContacts, encodeTapOutcome, referenceIdFor, sealingAad } from '@tapline/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { waitFor, type ReadyProcess } from '@tapline/test-harness';
import { sha256Hex, startStack, tapIn, type SealedDelivery, type Stack } from './stack.js';

// From the tenant simulator's demo org: erin.walsh reports to ben.okafor.
const ERIN = DEMO.erin.id;
const BEN = DEMO.ben.id;
const BEN_MAIL = DEMO.ben.mail!;

let stack: Stack;
let notifier: ReadyProcess | undefined;
/** Every secret and phone number these tests used: none may appear in any process's log. */
const secrets: string[] = [];
const phones: string[] = [];
const addresses: string[] = [];

const numberFor = (i: number): { graph: string; e164: string } => {
  const local = `42555${String(6000 + i).padStart(5, '0')}`;
  phones.push(local);
  return { graph: `+1 ${local}`, e164: `+1${local}` };
};

async function statusOf(requestId: string): Promise<string | undefined> {
  return (await stack.ledger.getRequest(requestId))?.status;
}

async function settledAs(d: SealedDelivery, status: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => ((await statusOf(d.requestId)) === status ? true : undefined), { timeoutMs, description: `${d.requestId} ${status}` });
}

function logged(event: string, requestId: string): boolean {
  return [...stack.logs.values()].some((lines) => lines.some((l) => l.includes(`"event":"${event}"`) && l.includes(requestId)));
}

beforeAll(async () => {
  stack = await startStack();
  notifier = await stack.startNotifier();
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('notifier against the local stack', () => {
  it('delivers a real TAP by SMS, resumes Entra, and confirms to the manager without the secret', async () => {
    const tap = await stack.createTap(ERIN);
    secrets.push(tap.secret);
    phones.push(DEMO.erin.mobile!.replace(/\D/g, '').slice(1));
    addresses.push(DEMO.erin.mail!, BEN_MAIL);
    const d = await stack.aDelivery({
      targetId: ERIN, requestorId: BEN, tap, callback: true,
      contacts: { mobilePhones: [DEMO.erin.mobile!], emails: [DEMO.erin.mail!] },
    });
    await stack.registerWaiting(d.requestId, d.callback!);
    await stack.publish(d);

    await settledAs(d, 'delivered');
    const sms = await waitFor(async () => { const o = await stack.outbox({ to: '+14255550113' }); return o.length > 0 ? o : undefined; }, { description: 'the SMS' });
    expect(sms).toHaveLength(1);
    expect(sha256Hex(tapIn(sms[0]!.body) ?? '')).toBe(await stack.tenantTapSha256(ERIN));

    const resume = await waitFor(async () => (await stack.resumeCalls()).find((c) => c.requestId === d.requestId), { description: 'the resume call' });
    expect(resume.status).toBe(204);
    expect(resume.body.data?.state).toBeUndefined();
    expect(resume.body.data?.customExtensionStageInstanceDetail).toBe('Temporary Access Pass delivered by SMS.');

    const [confirmation] = await waitFor(async () => { const o = await stack.outbox({ to: BEN_MAIL }); return o.length > 0 ? o : undefined; }, { description: 'the confirmation' });
    expect(confirmation!.body).toContain('by SMS to the number ending 13');
    expect(`${confirmation!.subject ?? ''}${confirmation!.body}${confirmation!.html ?? ''}`).not.toContain(tap.secret);
  });

  it('falls back to email when ACS refuses the mobile number', async () => {
    const phone = numberFor(1);
    const address = `fallback.${randomUUID().slice(0, 8)}@contoso.example`;
    addresses.push(address);
    await stack.acsFault({ route: 'POST /sms', recipient: phone.e164, status: 400, errorMessage: 'Invalid To phone number format.' });
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [address] } });
    secrets.push(d.secret);
    await stack.publish(d);

    await settledAs(d, 'delivered');
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(0);
    const [email] = await stack.outbox({ to: address });
    expect(tapIn(email!.body)).toBe(d.secret);
    expect(email!.subject).not.toContain(d.secret);
    expect((await stack.ledger.getRequest(d.requestId))?.channel).toBe('email');
  });

  it('sends one SMS for a duplicated delivery message', async () => {
    const phone = numberFor(2);
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] } });
    secrets.push(d.secret);
    // Two copies under different message ids (a replay, or a re-publish past the duplicate window).
    await stack.publish(d, `dup-a-${d.requestId}`);
    await stack.publish(d, `dup-b-${d.requestId}`);

    await settledAs(d, 'delivered');
    await waitFor(() => (logged('delivery.already_settled', d.requestId) || logged('delivery.sent', d.requestId) && [...stack.logs.values()].flat().filter((l) => l.includes('"event":"message.received"') && l.includes(d.requestId)).length >= 2 ? true : undefined), { description: 'the second copy to be handled' });
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(1);
  });

  it('sends nothing for a superseded delivery', async () => {
    const phone = numberFor(3);
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] }, currentTapId: randomUUID() });
    secrets.push(d.secret);
    await stack.publish(d);
    await settledAs(d, 'superseded');
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(0);
  });

  it('dead-letters an expired TAP as TapExpired and sends nothing', async () => {
    const phone = numberFor(4);
    // 59 of 60 minutes gone: inside the 2 minute safety margin.
    const d = await stack.aDelivery({
      targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] },
      issuedAt: new Date(Date.now() - 59 * 60_000), lifetimeMinutes: 60,
    });
    secrets.push(d.secret);
    await stack.publish(d);
    const dead = await waitFor(async () => (await stack.deadLetters()).find((m) => String(m.body).includes(d.requestId)), { description: 'the dead letter' });
    expect(dead.deadLetterReason).toBe('TapExpired');
    expect(dead.deadLetterErrorDescription ?? '').not.toContain(d.secret);
    expect(await statusOf(d.requestId)).toBe('dead-lettered');
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(0);
  });

  it('reports a denial: Entra denied (falling back when Graph refuses the state), manager told the reference only', async () => {
    const requestId = randomUUID();
    const callback = { uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${requestId}/resume`, stage: 'assignmentRequestGranted' as const, stageInstanceId: randomUUID() };
    await stack.registerWaiting(requestId, callback);
    // Graph answers the first resume (with state: denied) 400, as some docs say it does at this stage.
    const fault = await fetch(`${stack.tenantUrl}/_sim/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: `POST /v1.0/identityGovernance/entitlementManagement/assignmentRequests/${requestId}/resume`, status: 400, count: 1 }),
    });
    expect(fault.ok).toBe(true);
    const manager = `manager.${randomUUID().slice(0, 8)}@contoso.example`;
    addresses.push(manager);
    const body = encodeTapOutcome({
      kind: 'denial', schemaVersion: 1, requestId, referenceId: referenceIdFor(requestId), targetId: randomUUID(), requestorId: randomUUID(),
      reasons: ['TargetPrivilegedRole'], decidedAt: new Date().toISOString(), attempt: 1, callback,
      sealedContacts: stack.ring.seal(encodeDeliveryContacts({ mobilePhones: [], emails: [manager] }), sealingAad(requestId, null, 'contacts')),
    });
    const sender = stack.sb.createSender('tap-deliveries');
    await sender.sendMessages({ body, messageId: denialMessageId(requestId), contentType: 'application/json' });
    await sender.close();

    const [notice] = await waitFor(async () => { const o = await stack.outbox({ to: manager }); return o.length > 0 ? o : undefined; }, { description: 'the denial notice' });
    expect(notice!.body).toContain(referenceIdFor(requestId));
    expect(notice!.body).not.toMatch(/admin|role|privileg/i);
    const calls = await waitFor(async () => { const c = (await stack.resumeCalls()).filter((r) => r.requestId === requestId); return c.length >= 2 ? c : undefined; }, { description: 'two resume calls' });
    expect(calls.map((c) => [c.status, c.body.data?.state ?? null])).toEqual([[400, 'denied'], [204, null]]);
    expect(calls[1]!.body.data?.customExtensionStageInstanceDetail).toMatch(/^Not fulfilled/);
    expect(logged('entra.resume_state_refused', requestId)).toBe(true);
  });

  it('on SIGTERM, finishes the delivery in flight, then exits cleanly', async () => {
    const running = notifier!;
    await stack.acsFault({ route: 'POST /sms', latencyMs: 1_500, count: 1 });
    const phone = numberFor(6);
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] } });
    secrets.push(d.secret);
    await stack.publish(d);
    await waitFor(() => (logged('message.received', d.requestId) ? true : undefined), { description: 'the delivery to be in flight' });

    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
    notifier = undefined;

    expect(await statusOf(d.requestId)).toBe('delivered');
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(1);
    expect(running.lines.some((l) => l.includes('"event":"notifier.stopped"') && l.includes('"drained":true'))).toBe(true);
  });

  it('after a crash between send and record, the restarted notifier leaves one SMS in the outbox', async () => {
    await notifier?.stop();
    const crashing = await stack.startNotifier({ TAPLINE_CRASH_AT: 'after-send' });
    const phone = numberFor(5);
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] } });
    secrets.push(d.secret);
    await stack.publish(d);

    const exit = await Promise.race([crashing.exited.then(() => crashing.child.signalCode), new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(exit).toBe('SIGKILL');
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(1);
    expect(await statusOf(d.requestId)).toBe('issued');

    notifier = await stack.startNotifier();
    await settledAs(d, 'delivered', 30_000); // after the 5 s lock of the dead consumer expires
    const sent = await stack.outbox({ to: phone.e164 });
    expect(sent).toHaveLength(1);
  });

  it('after a crash between the delivered status and its audit event, the restarted notifier writes the missing delivery.sent', async () => {
    await notifier?.stop();
    const crashing = await stack.startNotifier({ TAPLINE_CRASH_AT: 'after-status' });
    const phone = numberFor(7);
    const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] } });
    secrets.push(d.secret);
    await stack.publish(d);

    const exit = await Promise.race([crashing.exited.then(() => crashing.child.signalCode), new Promise((r) => setTimeout(() => r('still running'), 20_000))]);
    expect(exit).toBe('SIGKILL');
    expect(await statusOf(d.requestId)).toBe('delivered');
    const sentEvents = async (): Promise<number> => (await stack.ledger.listAudit({ requestId: d.requestId })).filter((e) => e.action === 'delivery.sent').length;
    expect(await sentEvents()).toBe(0);

    notifier = await stack.startNotifier();
    // After the 5 s lock of the dead consumer expires.
    await waitFor(async () => ((await sentEvents()) > 0 ? true : undefined), { timeoutMs: 25_000, description: `${d.requestId} delivery.sent` });
    const sent = (await stack.ledger.listAudit({ requestId: d.requestId })).filter((e) => e.action === 'delivery.sent');
    expect(sent).toHaveLength(1);
    expect(sent[0]!.detail).toMatchObject({ tapId: d.tapId, channel: 'sms', recordedOnRedelivery: true });
    expect(await stack.outbox({ to: phone.e164 })).toHaveLength(1);
  }, 45_000);

  it('with ACS answering 429 to half the calls, every delivery arrives, no faster than the configured rate', async () => {
    await notifier?.stop();
    const perMinute = 240; // one send per 250 ms
    notifier = await stack.startNotifier({ NOTIFIER_SMS_PER_MINUTE: String(perMinute), NOTIFIER_CONCURRENCY: '6', NOTIFIER_MANAGER_NOTICES: 'false' });
    await stack.acsFault({ route: 'POST /sms', status: 429, rate: 0.5, retryAfter: 1 });
    const batch: { d: SealedDelivery; e164: string }[] = [];
    for (let i = 0; i < 10; i++) {
      const phone = numberFor(100 + i);
      const d = await stack.aDelivery({ targetId: randomUUID(), requestorId: randomUUID(), contacts: { mobilePhones: [phone.graph], emails: [] } });
      secrets.push(d.secret);
      batch.push({ d, e164: phone.e164 });
    }
    await Promise.all(batch.map(({ d }) => stack.publish(d)));

    for (const { d } of batch) await settledAs(d, 'delivered', 45_000);
    const faults = (await (await fetch(`${stack.acsUrl}/_sim/faults`)).json()) as { faults: { status?: number; applied: number }[] };
    await stack.clearAcsFaults();
    expect(faults.faults.find((f) => f.status === 429)?.applied ?? 0).toBeGreaterThan(0);

    const times: number[] = [];
    for (const { e164, d } of batch) {
      const sent = await stack.outbox({ to: e164 });
      expect(sent).toHaveLength(1);
      expect(tapIn(sent[0]!.body)).toBe(d.secret);
      times.push(Date.parse(sent[0]!.time));
    }
    times.sort((a, b) => a - b);
    const intervalMs = 60_000 / perMinute;
    for (let i = 0; i < times.length; i++) {
      for (let j = i + 1; j < times.length; j++) {
        // j - i sends after the i-th within (t_j - t_i): never more than the rate allows. The gate
        // spaces the *starts* of sends; the outbox stamps their arrival, which a loaded 2-core
        // machine delays unevenly, so one send of slack (an unthrottled burst still breaks this).
        expect(j - i).toBeLessThanOrEqual(Math.floor((times[j]! - times[i]!) / intervalMs) + 1);
      }
    }
  }, 90_000);

  it('no process logged a TAP secret, a full phone number or an email address', () => {
    expect(secrets.length).toBeGreaterThan(10);
    let scanned = 0;
    for (const [name, lines] of stack.logs) {
      for (const line of lines) {
        scanned += 1;
        for (const secret of secrets) expect(line.includes(secret), `${name} logged a TAP`).toBe(false);
        const digits = line.replace(/[\s().-]/g, '');
        for (const phone of phones) expect(digits.includes(phone), `${name} logged a phone number`).toBe(false);
        for (const address of addresses) expect(line.toLowerCase().includes(address), `${name} logged an email address`).toBe(false);
      }
    }
    expect(scanned).toBeGreaterThan(50);
  });
});
