// The directory watch over the real parts: the Graph adapter against the tenant simulator's
// users/delta, the ledger's watch store on Azurite. In process for the round logic (paging, an
// expired token and the resync, a manager removed, a user deleted); as worker processes for the
// lease (two workers compete, the holder is SIGKILLed and the other takes over from the stored
// delta token).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCredential, createGraphAdapters } from '@tapline/graph';
import { createTableWatchStore } from '@tapline/ledger';
import type { WatchState, WatchStore } from '@tapline/ledger';
import { silentLogger } from '@tapline/messaging';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { useManagedIdentityOf, waitFor } from '@tapline/test-harness';
import { createDirectoryWatch } from '@tapline/worker';
import type { DirectoryWatch } from '@tapline/worker';
import { startStack, startWorker, workerEnv } from './stack.js';
import type { Stack, WorkerProcess } from './stack.js';

let stack: Stack;
let restoreIdentity: (() => void) | undefined;
const run = randomBytes(3).toString('hex');
let n = 0;

beforeAll(async () => {
  stack = await startStack();
  restoreIdentity = useManagedIdentityOf({ url: stack.simUrl, identityHeader: stack.identityHeader });
}, 60_000);

afterAll(async () => {
  restoreIdentity?.();
  await stack?.stop();
});

async function sim(method: string, path: string, body?: unknown): Promise<void> {
  const res = await stack.sim(method, path, body);
  expect(res.status, `${method} /_sim/${path}`).toBeLessThan(300);
}

describe('directory watch rounds (in process)', () => {
  let store: WatchStore;
  let watch: DirectoryWatch;

  beforeEach(async () => {
    await sim('POST', 'reset', {});
    await sim('PATCH', 'directory', { deltaPageSize: 4 });
    store = await createTableWatchStore({ connectionString: stack.tablesConnectionString, tablePrefix: `w${run}n${++n}` });
    const graph = createGraphAdapters({
      baseUrl: stack.simUrl, credential: createCredential({ kind: 'managed-identity' }),
      writeBudget: { requests: 3000, windowMs: 150_000 }, reportsBudget: { requests: 5, windowMs: 10_000 },
    });
    watch = createDirectoryWatch({
      store, feed: graph.changes, owner: `test-${n}`, competes: true, log: silentLogger, now: () => new Date(),
      settings: { pollIntervalMs: 3_600_000, leaseTtlMs: 60_000, tickMs: 50 },
    });
  });

  /** A round that starts now (this process takes the lease on the first call). */
  async function round(): Promise<WatchState> {
    const state = await watch.roundSince(new Date(), AbortSignal.timeout(20_000));
    if (state === null) throw new Error('no watch state after a round');
    return state;
  }

  it('pages the first full sync as a baseline, then records a manager change with from, to and round', async () => {
    const first = await round();
    expect(first).toMatchObject({ round: 1, leaseOwner: `test-${n}` });
    expect(first.firstRoundStartedAt).toBe(first.lastRoundStartedAt);
    const calls = (await stack.sim<{ value: unknown[] }>('GET', 'calls?pathContains=users/delta')).body.value;
    expect(calls.length).toBeGreaterThan(3); // the demo org over pages of 4
    const baseline = await store.getUsers([DEMO.alice.id, DEMO.olivia.id]);
    expect(baseline.get(DEMO.alice.id)).toMatchObject({ userId: DEMO.alice.id, managerId: DEMO.ben.id });
    expect(Object.keys(baseline.get(DEMO.alice.id)!).sort()).toEqual(['mailHash', 'managerId', 'userId']);
    expect(baseline.get(DEMO.alice.id)?.mailHash).toMatch(/^[0-9a-f]{64}$/);
    expect(baseline.get(DEMO.olivia.id)?.managerId).toBeNull();

    await sim('PATCH', `users/${DEMO.alice.id}`, { manager: DEMO.oscar.id });
    const second = await round();
    expect(second.round).toBe(2);
    expect(second.firstRoundStartedAt).toBe(first.firstRoundStartedAt);
    expect((await store.getUsers([DEMO.alice.id])).get(DEMO.alice.id)).toMatchObject({
      managerId: DEMO.oscar.id, managerChangedFrom: DEMO.ben.id, managerChangedTo: DEMO.oscar.id, managerChangedRound: 2,
    });
    await watch.stop();
  });

  it('records a manager removed (manager@delta with @removed), a mail change and a deleted user', async () => {
    await round();
    await sim('PATCH', `users/${DEMO.carol.id}`, { manager: null });
    await sim('PATCH', `users/${DEMO.dave.id}`, { mail: 'dave.elsewhere@fabrikam.example' });
    await sim('DELETE', `users/${DEMO.kim.id}`);
    await round();
    const rows = await store.getUsers([DEMO.carol.id, DEMO.dave.id, DEMO.kim.id]);
    expect(rows.get(DEMO.carol.id)).toMatchObject({ managerId: null, managerChangedFrom: DEMO.ben.id, managerChangedTo: null, managerChangedRound: 2 });
    expect(rows.get(DEMO.dave.id)).toMatchObject({ managerId: DEMO.ben.id, mailChangedRound: 2 });
    expect(rows.get(DEMO.dave.id)).not.toHaveProperty('managerChangedAt');
    expect(rows.get(DEMO.kim.id)).toMatchObject({ deleted: true });
    // No mail address is stored, only its hash.
    expect(JSON.stringify([...rows.values()])).not.toContain('fabrikam');
    await watch.stop();
  });

  it('starts over with a full sync when Graph refuses the delta token, and still sees what changed meanwhile', async () => {
    const first = await round();
    await sim('POST', 'directory/expire-delta-tokens', {});
    await sim('PATCH', `users/${DEMO.bob.id}`, { manager: DEMO.oscar.id });
    const resynced = await round();
    expect(resynced.round).toBe(2);
    expect(resynced.deltaLink).not.toBe(first.deltaLink);
    expect(resynced.firstRoundStartedAt).toBe(first.firstRoundStartedAt);
    expect((await store.getUsers([DEMO.bob.id])).get(DEMO.bob.id)).toMatchObject({ managerChangedTo: DEMO.oscar.id, managerChangedRound: 2 });
    // Alice did not change: the resync records nothing for her.
    expect((await store.getUsers([DEMO.alice.id])).get(DEMO.alice.id)).not.toHaveProperty('managerChangedAt');
    await watch.stop();
  });
});

describe('one watch per deployment (worker processes)', () => {
  const workers: WorkerProcess[] = [];

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
  });

  it('lets one of two workers hold the lease, and the other take over from the stored token when the holder is SIGKILLed', async () => {
    await sim('POST', 'reset', {});
    const prefix = `wp${run}`;
    const env = () => workerEnv(stack, prefix, {
      WORKER_WATCH_LEASE_TTL_MS: '8000', WORKER_WATCH_POLL_MS: '1000', WORKER_WATCH_TICK_MS: '100', LOG_LEVEL: 'info',
    });
    workers.push(...await Promise.all([startWorker(env()), startWorker(env())]));
    const store = await createTableWatchStore({ connectionString: stack.tablesConnectionString, tablePrefix: prefix, createTable: false });

    const held = await waitFor(async () => {
      const s = await store.getState();
      return s?.leaseOwner !== undefined && s.round >= 2 ? s : undefined;
    }, { timeoutMs: 30_000, description: 'a lease holder with two rounds' });
    const takenBy = workers.map((w) => w.lines.filter((l) => l.includes('watch.lease_taken')).length);
    expect([...takenBy].sort()).toEqual([0, 1]); // exactly one worker took it
    const holder = workers[takenBy.indexOf(1)]!;
    const other = workers.find((w) => w !== holder)!;
    const ownerOf = (w: WorkerProcess) => /"owner":"([^"]+)"/.exec(w.lines.find((l) => l.includes('watch.lease_taken')) ?? '')?.[1];
    expect(held.leaseOwner).toBe(ownerOf(holder));

    await holder.kill();
    const after = await waitFor(async () => {
      const s = await store.getState();
      return s?.leaseOwner !== undefined && s.leaseOwner !== held.leaseOwner && s.round > held.round ? s : undefined;
    }, { timeoutMs: 30_000, description: 'the other worker holding the lease and running rounds' });
    expect(after.leaseOwner).toBe(ownerOf(other));
    // Resumed from the stored token: the deployment's first round is still the first round.
    expect(after.firstRoundStartedAt).toBe(held.firstRoundStartedAt);
    expect(other.lines.some((l) => l.includes('watch.resync'))).toBe(false);
    const rounds = other.lines.filter((l) => l.includes('"watch.round"'));
    expect(rounds.length).toBeGreaterThan(0);
    expect(rounds.every((l) => l.includes('"fullSync":false'))).toBe(true);
  }, 90_000);
});
