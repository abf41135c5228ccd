// The worker as a process against the real stand-ins: the Service Bus emulator, Azurite and the
// tenant simulator, each its own process. Happy path, throttling storms, permanent failures, and
// a clean SIGTERM.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, sealingAad } from '@tapline/domain';
import type { TapDeliveryMessage, TapRequestMessage } from '@tapline/domain';
import { createTableLedger } from '@tapline/ledger';
import type { Ledger } from '@tapline/ledger';
import { createKeyRing, parseSealingKeys } from '@tapline/sealing';
import type { KeyRing } from '@tapline/sealing';
import { testBus } from './bus.js';
import type { TestBus } from './bus.js';
import { waitFor } from '@tapline/test-harness';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { entraCreates, startStack, startWorker, workerEnv } from './stack.js';
import type { Stack, WorkerProcess } from './stack.js';
import { sha256 } from './support.js';

const ORG = {
  ben: DEMO.ben.id, alice: DEMO.alice.id, bob: DEMO.bob.id, carol: DEMO.carol.id, dave: DEMO.dave.id, erin: DEMO.erin.id, grace: DEMO.grace.id,
  kim: DEMO.kim.id, leo: DEMO.leo.id, nina: DEMO.nina.id, paul: DEMO.paul.id, frank: DEMO.frank.id, henry: DEMO.henry.id,
} as const;

function request(targetId: string, requestorId: string = ORG.ben): TapRequestMessage {
  const stageInstanceId = randomUUID();
  return {
    schemaVersion: SCHEMA_VERSION, requestId: randomUUID(), stageInstanceId, stage: 'assignmentRequestApproved', requestType: 'onBehalfAdd',
    requestorId, targetId, accessPackageId: randomUUID(), receivedAt: new Date().toISOString(), attempt: 1,
  };
}

let stack: Stack;

/** Entra creates the request, then calls out (the intake would enqueue the message). */
async function send(msg: TapRequestMessage): Promise<void> {
  await entraCreates(stack, msg);
  await bus.send(msg);
}
let bus: TestBus;
let ledger: Ledger;
let keyRing: KeyRing;
let worker: WorkerProcess;
const prefix = `w${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  stack = await startStack();
  bus = testBus(stack.serviceBusConnectionString);
  ledger = await createTableLedger({ connectionString: stack.tablesConnectionString, tablePrefix: prefix });
  keyRing = createKeyRing({ activeKid: 'k1', keys: parseSealingKeys(stack.sealingKeys) });
  // Debug level, so the log scans below see every event the worker can write.
  worker = await startWorker(workerEnv(stack, prefix, { WORKER_CONCURRENCY: '8', LOG_LEVEL: 'debug' }));
}, 90_000);

afterAll(async () => {
  await worker?.stop();
  await bus?.close();
  await stack?.stop();
});

async function settled(requestIds: readonly string[], deadlineMs = 40_000): Promise<Map<string, string>> {
  return waitFor(async () => {
    const statuses = new Map<string, string>();
    for (const id of requestIds) {
      const status = (await ledger.getRequest(id))?.status;
      if (status === undefined || status === 'received' || status === 'issuing') return undefined;
      statuses.set(id, status);
    }
    const counts = await stack.queueCounts('tap-requests');
    return counts.active + counts.locked + counts.scheduled === 0 ? statuses : undefined;
  }, { timeoutMs: deadlineMs, intervalMs: 200, description: `${requestIds.length} requests to settle` });
}

async function currentTapSha(userId: string): Promise<string | undefined> {
  const res = await stack.sim<{ sha256?: string }>('GET', `users/${userId}/tap`);
  return res.status === 200 ? res.body.sha256 : undefined;
}

describe('worker process on the local stand-ins', () => {
  it('happy path: one delivery whose sealed secret opens to the TAP the tenant holds', async () => {
    const msg = request(ORG.alice);
    await send(msg);
    await settled([msg.requestId]);
    const deliveries = (await bus.peekOutcomes()).filter((o): o is TapDeliveryMessage => o.kind === 'delivery' && o.requestId === msg.requestId);
    expect(deliveries).toHaveLength(1);
    const d = deliveries[0]!;
    const secret = keyRing.open(d.sealedSecret, sealingAad(d.requestId, d.tapId, 'secret'));
    expect(sha256(secret)).toBe(await currentTapSha(ORG.alice));
    expect((await ledger.getRequest(msg.requestId))).toMatchObject({ status: 'issued', tapId: d.tapId });
    expect((await ledger.getTarget(ORG.alice))?.currentTapId).toBe(d.tapId);
    // Neither the secret nor a contact is anywhere in the worker's log (which is not empty).
    expect(worker.output()).toContain('"event":"tap.created"');
    expect(worker.output()).not.toContain(secret);
    expect(worker.output()).not.toMatch(/4255550110|alice\.novak@contoso/);
    expect(await worker.metric('tap_issued_total')).toBeGreaterThanOrEqual(1);
  });

  it('with 30% of Graph calls answered 429, every request still completes and none is dead-lettered', async () => {
    const faults = await Promise.all([
      stack.sim('POST', 'faults', { route: '* /v1.0/**', status: 429, rate: 0.3, retryAfter: 0.05 }),
      stack.sim('POST', 'faults', { route: '* /beta/**', status: 429, rate: 0.3, retryAfter: 0.05 }),
    ]);
    expect(faults.map((f) => f.status)).toEqual([201, 201]);
    const throttledBefore = await worker.metric('graph_throttled_total');
    const targets = [ORG.alice, ORG.bob, ORG.carol, ORG.dave, ORG.kim, ORG.paul, ORG.erin, ORG.grace, ORG.nina, ORG.alice, ORG.bob, ORG.carol, ORG.dave, ORG.kim, ORG.frank, ORG.henry, ORG.alice, ORG.paul, ORG.carol, ORG.dave];
    const msgs = targets.map((t) => request(t));
    const dlqBefore = (await bus.deadLetters()).length;
    await Promise.all(msgs.map((m) => send(m)));
    const statuses = await settled(msgs.map((m) => m.requestId), 90_000);
    await stack.sim('DELETE', 'faults');

    expect([...statuses.values()].every((s) => s === 'issued' || s === 'denied')).toBe(true);
    expect([...statuses.values()].filter((s) => s === 'issued')).toHaveLength(15);
    expect((await bus.deadLetters()).length).toBe(dlqBefore);
    expect(await worker.metric('graph_throttled_total')).toBeGreaterThan(throttledBefore);
    // Each eligible target's sendable delivery carries its current TAP.
    const outcomes = await bus.peekOutcomes();
    for (const target of [ORG.alice, ORG.bob, ORG.carol, ORG.dave, ORG.kim, ORG.paul]) {
      const current = (await ledger.getTarget(target))?.currentTapId;
      const sendable = outcomes.filter((o): o is TapDeliveryMessage => o.kind === 'delivery' && o.targetId === target && o.tapId === current);
      expect(sendable).toHaveLength(1);
      expect(sha256(keyRing.open(sendable[0]!.sealedSecret, sealingAad(sendable[0]!.requestId, sendable[0]!.tapId, 'secret')))).toBe(await currentTapSha(target));
    }
  }, 120_000);

  it('each permanent failure lands in the dead-letter queue with its reason', async () => {
    const unknownTarget = request('00000000-0000-4000-8000-00000000dead');
    const unknownRequestor = request(ORG.alice, '00000000-0000-4000-8000-00000000beef');
    const noContact = request(ORG.leo);
    const forbidden = request(ORG.carol);
    const rejected = request(ORG.dave);
    await stack.sim('POST', 'faults', { route: `GET /beta/roleManagement/directory/transitiveRoleAssignments`, status: 403, count: 1 });
    await stack.sim('POST', 'faults', { route: `POST /v1.0/users/${ORG.dave}/authentication/temporaryAccessPassMethods`, status: 400, count: 1, code: 'badRequest' });
    // One at a time for the two faults (they match any target), the rest together.
    await send(forbidden);
    await settled([forbidden.requestId]);
    await Promise.all([unknownTarget, unknownRequestor, noContact, rejected].map((m) => send(m)));
    await bus.sendRaw('{"schemaVersion":1,"requestId":"not a guid"}', `garbage-${randomUUID()}`);
    await settled([unknownTarget, unknownRequestor, noContact, rejected].map((m) => m.requestId));
    const letters = await waitFor(async () => {
      const all = await bus.deadLetters();
      return all.length >= 6 ? all : undefined;
    }, { timeoutMs: 30_000, intervalMs: 100, description: 'six dead letters' });
    const reasonOf = (m: TapRequestMessage) => letters.find((l) => l.messageId === m.stageInstanceId)?.reason;
    expect(reasonOf(unknownTarget)).toBe('TargetNotFound');
    expect(reasonOf(unknownRequestor)).toBe('RequestorNotFound');
    expect(reasonOf(noContact)).toBe('NoDeliverableContact');
    expect(reasonOf(forbidden)).toBe('GraphForbidden');
    expect(reasonOf(rejected)).toBe('TapPolicyRejected');
    expect(letters.find((l) => l.messageId.startsWith('garbage-'))?.reason).toBe('InvalidMessage');
    for (const m of [unknownTarget, unknownRequestor, noContact, forbidden, rejected]) {
      expect((await ledger.getRequest(m.requestId))?.status).toBe('failed');
    }
    // Descriptions never hold a phone number or an email address.
    expect(letters.map((l) => l.description ?? '').join('\n')).not.toMatch(/\+1 ?\d{6,}|@contoso/);
    expect(await worker.metric('tap_dead_lettered_total')).toBeGreaterThanOrEqual(6);
  }, 60_000);

  it('on SIGTERM, finishes the message in flight, then exits cleanly', async () => {
    // Slow Graph down so a request is in flight when the signal arrives.
    await stack.sim('POST', 'faults', { route: 'POST /v1.0/users/*/authentication/temporaryAccessPassMethods', latencyMs: 1_500, count: 1 });
    const msg = request(ORG.bob);
    await send(msg);
    await waitFor(async () => ((await ledger.getRequest(msg.requestId))?.status === 'issuing' ? true : undefined), { timeoutMs: 20_000, intervalMs: 50, description: 'the request to be issuing' });
    const exit = await worker.stop({ signal: 'SIGTERM', graceMs: 20_000 });
    expect(exit).toEqual({ code: 0, signal: null });
    expect((await ledger.getRequest(msg.requestId))?.status).toBe('issued');
    const counts = await stack.queueCounts('tap-requests');
    expect(counts.active + counts.locked).toBe(0);
    // Restart for any later test in this file.
    worker = await startWorker(workerEnv(stack, prefix));
  }, 60_000);
});
