// Check 0 over the whole stack: a call-out is only believed when Graph holds the request it names.
// Each forged call-out goes in as a leaked relay token would send it (well-formed, the relay's
// valid token, real people of the demo org), is accepted by the intake (202: it cannot know), and
// is refused by the worker: no TAP written in Graph, nothing in the ACS outbox (no TAP, no notice
// to the manager), no resume, and a security audit event with its reason. A genuine request on
// the same stack is still delivered.
import { randomUUID } from 'node:crypto';
import type { Ledger } from '@tapline/ledger';
import { buildCalloutBody, newCalloutIds } from '@tapline/tapctl';
import type { CalloutIds } from '@tapline/tapctl';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from './support/ledger.js';
import { acsSim, tenantSim } from './support/simulators.js';
import type { AcsSim, SimUser, TenantSim } from './support/simulators.js';
import { submitter } from './support/submit.js';
import type { Submitter } from './support/submit.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { waitFor } from './support/wait.js';

const REFUSED_ACTION = 'security.request_refused';

let stack: TestStack | undefined;
let tenant: TenantSim;
let acs: AcsSim;
let ledger: Ledger;
let submit: Submitter;

beforeAll(async () => {
  // A shorter first delay of the "not found" re-reads keeps the suite quick; the count is the default.
  stack = await startTestStack({ name: 'refusals', overrides: { WORKER_REQUEST_LOOKUP_DELAY_MS: '200' } });
  tenant = tenantSim(stack.info.tenant.url);
  acs = acsSim(stack.info.acs.url);
  ledger = await openLedger(stack.info.tables.connectionString);
  submit = submitter(stack.info.intake.url, tenant, stack.info.tenant.url);
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

/** The call-out Entra would send for these ids and people (tapctl's builder). */
function callout(ids: CalloutIds, requestor: SimUser, target: SimUser, accessPackage?: { id: string; displayName: string; description: string }): Record<string, unknown> {
  return buildCalloutBody({
    ids,
    requestor: { objectId: requestor.id, displayName: requestor.displayName },
    target: { objectId: target.id, displayName: target.displayName },
    ...(accessPackage !== undefined && { accessPackage }),
  });
}

/**
 * Posts the call-out, waits for the worker to settle it, and checks that it was refused with
 * `reason` and that nothing reached anyone: no Graph TAP write, an empty ACS outbox, no resume.
 */
async function expectRefused(body: Record<string, unknown>, requestId: string, reason: string): Promise<void> {
  const answer = await submit.postCallout(body);
  expect(answer.status).toBe(202);
  expect(answer.body.status).toBe('accepted');
  const record = await waitFor(async () => {
    const r = await ledger.getRequest(requestId);
    return r?.status === 'denied' ? r : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100, what: `request ${requestId} to be refused` });
  expect(record.reasons).toEqual([reason]);
  const audit = await ledger.listAudit({ requestId });
  const event = audit.find((e) => e.action === REFUSED_ACTION);
  expect(event?.detail).toMatchObject({ security: true, reasons: reason });
  expect(audit.map((e) => e.action)).not.toContain('denial.published');
  expect(await tenant.tapWrites()).toEqual([]);
  expect(await acs.outbox()).toEqual([]);
  expect((await tenant.resumeCalls()).filter((c) => c.requestId === requestId)).toEqual([]);
}

describe('a call-out Graph does not confirm is refused, and nothing is sent to anyone', () => {
  it('a request id Graph never saw', async () => {
    const [ben, alice] = await Promise.all([tenant.user(DEMO.ben.id), tenant.user(DEMO.alice.id)]);
    const ids = newCalloutIds();
    await expectRefused(callout(ids, ben, alice), ids.requestId, 'RequestNotFound');
  });

  it('a real request whose call-out swaps in another target', async () => {
    const real = await submit.createRequest(DEMO.ben.nick, DEMO.alice.nick);
    const bob = await tenant.user(DEMO.bob.id);
    await expectRefused(callout(real.ids, real.requestor, bob, real.accessPackage), real.ids.requestId, 'TargetMismatch');
  });

  it('a real request whose call-out names another requestor', async () => {
    const real = await submit.createRequest(DEMO.ben.nick, DEMO.alice.nick);
    // Oscar manages nobody here; were he believed, check 2 would still deny, and tell him so.
    const oscar = await tenant.user(DEMO.oscar.id);
    await expectRefused(callout(real.ids, oscar, real.target, real.accessPackage), real.ids.requestId, 'RequestorMismatch');
  });

  it('a request for an access package this deployment does not serve', async () => {
    const other = await submit.createRequest(DEMO.ben.nick, DEMO.alice.nick, { accessPackageId: DEMO.otherAccessPackage.id });
    await expectRefused(callout(other.ids, other.requestor, other.target, other.accessPackage), other.ids.requestId, 'AccessPackageNotServed');
  });

  it('a call-out whose stage instance id is not among the request\'s call-outs', async () => {
    const real = await submit.createRequest(DEMO.ben.nick, DEMO.alice.nick);
    const replayed = { ...real.ids, stageInstanceId: randomUUID() };
    await expectRefused(callout(replayed, real.requestor, real.target, real.accessPackage), real.ids.requestId, 'UnknownStageInstance');
  });
});

describe('a genuine request on the same stack', () => {
  it('is delivered by SMS, with one TAP written in Graph', async () => {
    const { requestId } = await submit.submit(DEMO.ben.nick, DEMO.alice.nick);
    const record = await waitFor(async () => {
      const r = await ledger.getRequest(requestId);
      return r?.status === 'delivered' ? r : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100, what: `request ${requestId} to be delivered` });
    expect(record.tapId).toBeDefined();
    expect((await ledger.listAudit({ requestId })).map((e) => e.action)).not.toContain(REFUSED_ACTION);
    expect(await tenant.tapWrites()).toEqual([expect.objectContaining({ status: 201 })]);
    const sms = await acs.outbox({ channel: 'sms' });
    expect(sms).toHaveLength(1);
    expect(sms[0]!.to.replace(/\D/g, '')).toBe(DEMO.alice.mobile!.replace(/\D/g, ''));
  });
});
