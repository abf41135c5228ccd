// The manager-change quarantine and the contact guard over the real processes, with the tenant
// simulator publishing audit entries 120 s late (Entra's documented 95th percentile) and the
// worker told the same. The audit log cannot show a change made just now; the directory watch
// (users/delta) can, within seconds. Contact changes: the watch sees a mail change, the audit log
// a phone registration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ledger, RequestRecord, WatchState } from '@tapline/ledger';
import { createTableWatchStore } from '@tapline/ledger';
import { openLedger } from './support/ledger.js';
import { acsSim, e164, tenantSim } from './support/simulators.js';
import type { AcsSim, TenantSim } from './support/simulators.js';
import { submitter } from './support/submit.js';
import type { Submitter } from './support/submit.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { currentPid } from './support/chaos.js';
import { waitFor } from './support/wait.js';

const AUDIT_LATENCY_S = 120;

let stack: TestStack | undefined;
let ledger: Ledger;
let tenant: TenantSim;
let acs: AcsSim;
let submit: Submitter;

beforeAll(async () => {
  stack = await startTestStack({
    name: 'quarantine',
    overrides: {
      TENANT_SIM_ARGS: `--audit-latency ${AUDIT_LATENCY_S}`,
      WORKER_AUDIT_LATENCY_SECONDS: String(AUDIT_LATENCY_S),
      // Rounds every 2 s (and on demand); a killed holder's lease lapses in 4 s.
      WORKER_WATCH_POLL_MS: '2000',
      WORKER_WATCH_LEASE_TTL_MS: '4000',
      WORKER_RETRY_BASE_DELAY_MS: '2000',
      WORKER_RETRY_CAP_MS: '15000',
      WORKER_RETRY_MAX_ATTEMPTS: '30',
    },
  });
  const info = stack.info;
  ledger = await openLedger(info.tables.connectionString);
  tenant = tenantSim(info.tenant.url);
  acs = acsSim(info.acs.url);
  submit = submitter(info.intake.url, tenant, info.tenant.url);
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

const id = async (nick: string): Promise<string> => (await tenant.user(nick)).id;

async function patchUser(id: string, body: Record<string, unknown>): Promise<number> {
  const res = await fetch(`${stack!.info.tenant.url}/_sim/users/${id}`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000),
  });
  expect(res.status).toBe(200);
  return Date.now();
}

async function settled(requestId: string, timeoutMs = 60_000): Promise<RequestRecord> {
  return waitFor(async () => {
    const r = await ledger.getRequest(requestId);
    return r !== null && ['denied', 'delivered', 'failed', 'dead-lettered'].includes(r.status) ? r : undefined;
  }, { timeoutMs, intervalMs: 250, what: `request ${requestId} at rest` });
}

async function watchState(): Promise<WatchState | null> {
  const store = await createTableWatchStore({ connectionString: stack!.info.tables.connectionString, createTable: false });
  return store.getState();
}

/** A watch round that started at least `afterMs` after `at` has completed. */
async function roundStartedAfter(at: number, afterMs: number): Promise<WatchState> {
  return waitFor(async () => {
    const s = await watchState();
    return s?.lastRoundStartedAt !== undefined && Date.parse(s.lastRoundStartedAt) >= at + afterMs && s.lastRoundCompletedAt !== undefined ? s : undefined;
  }, { timeoutMs: 30_000, intervalMs: 200, what: 'a directory watch round after the change' });
}

async function tapWrites(): Promise<number> {
  const res = await fetch(`${stack!.info.tenant.url}/_sim/calls?kind=graph&pathContains=temporaryAccessPassMethods`, { signal: AbortSignal.timeout(10_000) });
  const calls = ((await res.json()) as { value: Array<{ method: string }> }).value;
  return calls.filter((c) => c.method === 'POST').length;
}

async function expectDeniedManagerChange(targetId: string, requestorRef: string): Promise<void> {
  const writesBefore = await tapWrites();
  const sent = await submit.submit(requestorRef, targetId);
  const record = await settled(sent.requestId);
  expect(record.status).toBe('denied');
  expect(record.reasons).toContain('ManagerRecentlyChanged');
  expect(await tapWrites()).toBe(writesBefore);
  expect(await tenant.currentTap(targetId)).toBeNull();
}

describe('a manager change the audit log does not show yet (120 s ingestion delay)', () => {
  it('is denied when the new manager asks at once', async () => {
    await waitFor(async () => ((await watchState())?.round ?? 0) >= 1 ? true : undefined, { timeoutMs: 30_000, what: "the watch's first round" });
    const oscar = await id('oscar.reyes');
    await patchUser(await id('alice.novak'), { manager: oscar, changedBy: oscar });
    await expectDeniedManagerChange(await id('alice.novak'), 'oscar.reyes');
  }, 90_000);

  it('is denied when the change was made 10 s before the watch\'s last round', async () => {
    const oscar = await id('oscar.reyes');
    const changedAt = await patchUser(await id('dave.kim'), { manager: oscar, changedBy: oscar });
    await roundStartedAfter(changedAt, 10_000);
    await expectDeniedManagerChange(await id('dave.kim'), 'oscar.reyes');
  }, 90_000);

  it('is denied when the worker was restarted (SIGKILL) between the change and the request', async () => {
    const oscar = await id('oscar.reyes');
    const changedAt = await patchUser(await id('kim.nguyen'), { manager: oscar, changedBy: oscar });
    await roundStartedAfter(changedAt, 0);
    const pid = currentPid(stack!, 'worker');
    process.kill(pid, 'SIGKILL');
    await waitFor(() => {
      const now = stack!.process('worker')?.child.pid;
      return now !== undefined && now !== pid ? now : undefined;
    }, { timeoutMs: 60_000, what: 'the worker restarted' });
    await expectDeniedManagerChange(await id('kim.nguyen'), 'oscar.reyes');
  }, 120_000);
});

describe('the contact guard', () => {
  const newNumber = '+1 4255550199';

  beforeAll(async () => {
    // Carol (a mobile and a mail; her manager untouched) registered a new mobile three minutes ago,
    // so its 120 s-late audit entry is published. Registered before the first contact test: the
    // worker's tenant-wide audit read is shared for a minute, and the next one must find it.
    const carol = await tenant.user('carol.white');
    await patchUser(carol.id, { phoneMethods: { mobile: newNumber }, changedBy: carol.id, minutesAgo: 3 });
  });

  it('refuses when the mail changed a minute ago and there is no SMS-capable phone; nothing is sent', async () => {
    const bob = await tenant.user('bob.lindqvist');
    const oldMail = (await tenant.contacts(bob.id)).mail!;
    await patchUser(bob.id, { mail: 'bob.new@fabrikam.example', minutesAgo: 1 });
    const sent = await submit.submit('ben.okafor', bob.id);
    // On the deployment's first day the answer waits until the audit log covers the watch's first round.
    const record = await settled(sent.requestId, (AUDIT_LATENCY_S + 90) * 1000);
    expect(record.status).toBe('denied');
    expect(record.reasons).toEqual(['ContactsRecentlyChanged']);
    const outbox = await acs.outbox({ channel: 'email' });
    expect(outbox.filter((m) => JSON.stringify(m).includes('bob.new@fabrikam.example') || JSON.stringify(m).includes(oldMail))).toEqual([]);
  }, (AUDIT_LATENCY_S + 120) * 1000);

  it('does not use a phone number registered a few minutes ago (its audit entry visible), and sends by email instead', async () => {
    const carol = await tenant.user('carol.white');
    const sent = await submit.submit('ben.okafor', carol.id);
    const record = await settled(sent.requestId, (AUDIT_LATENCY_S + 90) * 1000);
    expect(record.status).toBe('delivered');
    expect(record.channel).toBe('email');
    const sms = await acs.outbox({ channel: 'sms' });
    expect(sms.filter((m) => JSON.stringify(m).includes(e164(newNumber)))).toEqual([]);
  }, (AUDIT_LATENCY_S + 120) * 1000);
});
