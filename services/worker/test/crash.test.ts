// Crash tests (DESIGN section 4): the worker process SIGKILLs itself at each step boundary
// (TAPLINE_CRASH_AT), a fresh worker takes over once the message lock lapses, and afterwards the
// invariant holds: the only delivery that would be sent (its TAP id is the target's current TAP id
// in the ledger) carries the TAP the tenant holds now, and no request is lost.
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, sealingAad } from '@tapline/domain';
import type { TapDeliveryMessage, TapRequestMessage } from '@tapline/domain';
import { createTableLedger } from '@tapline/ledger';
import type { Ledger } from '@tapline/ledger';
import { createKeyRing, parseSealingKeys } from '@tapline/sealing';
import type { KeyRing } from '@tapline/sealing';
import { CRASH_POINTS } from '@tapline/worker';
import { testBus } from './bus.js';
import type { TestBus } from './bus.js';
import { waitFor } from '@tapline/test-harness';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { entraCreates, startStack, startWorker, workerEnv } from './stack.js';
import type { Stack } from './stack.js';
import { sha256 } from './support.js';

const BEN = DEMO.ben.id;
const ALICE = DEMO.alice.id;

let stack: Stack;
let bus: TestBus;
let ledger: Ledger;
let keyRing: KeyRing;
const prefix = `c${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  // A short lock, so the broker hands a dead worker's message to the next one within seconds.
  stack = await startStack({ lockDuration: 'PT3S' });
  bus = testBus(stack.serviceBusConnectionString);
  ledger = await createTableLedger({ connectionString: stack.tablesConnectionString, tablePrefix: prefix });
  keyRing = createKeyRing({ activeKid: 'k1', keys: parseSealingKeys(stack.sealingKeys) });
}, 90_000);

afterAll(async () => {
  await bus?.close();
  await stack?.stop();
});

function request(): TapRequestMessage {
  const stageInstanceId = randomUUID();
  return {
    schemaVersion: SCHEMA_VERSION, requestId: randomUUID(), stageInstanceId, stage: 'assignmentRequestApproved', requestType: 'onBehalfAdd',
    requestorId: BEN, targetId: ALICE, accessPackageId: randomUUID(), receivedAt: new Date().toISOString(), attempt: 1,
  };
}

describe('worker killed with SIGKILL at each step boundary, then restarted', () => {
  it.each(CRASH_POINTS)('%s', async (point) => {
    const msg = request();
    const crashing = await startWorker(workerEnv(stack, prefix, { TAPLINE_CRASH_AT: point, WORKER_CONCURRENCY: '1' }));
    await entraCreates(stack, msg);
    await bus.send(msg);
    const exit = await Promise.race([crashing.exited, new Promise<'alive'>((r) => setTimeout(() => r('alive'), 30_000))]);
    expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
    const tapsBefore = (await stack.sim<{ value: Array<{ route: string | null; status: number }> }>('GET', 'calls?kind=graph&pathContains=temporaryAccessPassMethods')).body.value
      .filter((c) => c.status === 201).length;

    const healthy = await startWorker(workerEnv(stack, prefix));
    try {
      await waitFor(async () => {
        const status = (await ledger.getRequest(msg.requestId))?.status;
        const counts = await stack.queueCounts('tap-requests');
        return status === 'issued' && counts.active + counts.locked + counts.scheduled === 0 ? true : undefined;
      }, { timeoutMs: 45_000, intervalMs: 200, description: 'the request to be issued and its message settled' });
    } finally {
      expect((await healthy.stop({ signal: 'SIGTERM' })).code).toBe(0);
    }

    // No request lost: issued, nothing dead-lettered.
    const record = await ledger.getRequest(msg.requestId);
    expect(record?.status).toBe('issued');
    expect(await bus.deadLetters()).toEqual([]);

    // The invariant: exactly one sendable delivery for the user, carrying the TAP the tenant holds.
    const current = (await ledger.getTarget(ALICE))?.currentTapId;
    expect(current).toBe(record?.tapId);
    const outcomes = await bus.peekOutcomes();
    const sendable = outcomes.filter((o): o is TapDeliveryMessage => o.kind === 'delivery' && o.targetId === ALICE && o.tapId === current);
    expect(sendable).toHaveLength(1);
    const secret = keyRing.open(sendable[0]!.sealedSecret, sealingAad(sendable[0]!.requestId, sendable[0]!.tapId, 'secret'));
    const tap = await stack.sim<{ id: string; sha256: string }>('GET', `users/${ALICE}/tap`);
    expect(tap.body.id).toBe(current);
    expect(sha256(secret)).toBe(tap.body.sha256);
    // Every other delivery of this request names a TAP that is no longer current: the notifier supersedes it.
    const mine = outcomes.filter((o): o is TapDeliveryMessage => o.kind === 'delivery' && o.requestId === msg.requestId);
    expect(mine.filter((d) => d.tapId === current)).toHaveLength(1);

    // A crash once the publish is on record costs no second TAP; before that, exactly one more.
    const tapsAfter = (await stack.sim<{ value: Array<{ status: number }> }>('GET', 'calls?kind=graph&pathContains=temporaryAccessPassMethods')).body.value
      .filter((c) => c.status === 201).length;
    expect(tapsAfter - tapsBefore).toBe(point === 'before-complete' ? 0 : 1);
  }, 90_000);
});
