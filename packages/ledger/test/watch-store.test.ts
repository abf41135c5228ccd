// One behavioural suite for both WatchStore implementations (the fake and the Table adapter).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseLostError, createMemoryWatchStore, createTableWatchStore } from '@tapline/ledger';
import type { WatchStore } from '@tapline/ledger';
import { startAzurite, type Azurite } from '@tapline/test-harness';

const T0 = new Date('2026-12-07T03:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

let azurite: Azurite;
const runPrefix = `w${randomBytes(3).toString('hex')}`;
let n = 0;

beforeAll(async () => {
  azurite = await startAzurite();
});

afterAll(async () => {
  await azurite?.stop();
});

function watchConformance(name: string, make: () => Promise<WatchStore>): void {
  describe(`WatchStore: ${name}`, () => {
    it('grants the lease to one owner at a time, and to another once it expires', async () => {
      const store = await make();
      const a = await store.acquireLease('worker-a', 10_000, T0);
      expect(a).not.toBeNull();
      expect(await store.acquireLease('worker-b', 10_000, at(5_000))).toBeNull();
      const b = await store.acquireLease('worker-b', 10_000, at(10_001));
      expect(b?.owner).toBe('worker-b');
      // The old holder's writes are refused from now on.
      await expect(store.renewLease(a!, 10_000, at(10_002))).rejects.toBeInstanceOf(LeaseLostError);
      await expect(store.recordRound(a!, { deltaLink: 'x', round: 1, startedAt: at(1), completedAt: at(2) })).rejects.toBeInstanceOf(LeaseLostError);
    });

    it('keeps the first round\'s start across rounds, restarts and lease changes; a failure keeps the resume point', async () => {
      const store = await make();
      let lease = (await store.acquireLease('worker-a', 10_000, T0))!;
      lease = await store.recordRound(lease, { deltaLink: 'link-1', round: 1, startedAt: at(0), completedAt: at(100), firstRoundStartedAt: at(0) });
      lease = await store.recordFailure(lease, 'Graph answered 503', false);
      expect(await store.getState()).toMatchObject({ deltaLink: 'link-1', round: 1, lastError: 'Graph answered 503', lastErrorPermanent: false });
      await store.releaseLease(lease);
      const b = (await store.acquireLease('worker-b', 10_000, at(200)))!;
      await store.recordRound(b, { deltaLink: 'link-2', round: 2, startedAt: at(300), completedAt: at(400), firstRoundStartedAt: at(300) });
      const state = await store.getState();
      expect(state).toMatchObject({ deltaLink: 'link-2', round: 2, firstRoundStartedAt: at(0).toISOString(), lastRoundStartedAt: at(300).toISOString(), leaseOwner: 'worker-b' });
      expect(state).not.toHaveProperty('lastError');
      await store.clearDeltaLink((await store.acquireLease('worker-b', 10_000, at(500)))!);
      expect(await store.getState()).not.toHaveProperty('deltaLink');
    });

    it('stores users by id (case-insensitive) and the latest round request', async () => {
      const store = await make();
      await store.putUsers([
        { userId: 'aaaaaaaa-0000-4000-8000-000000000001', managerId: null, mailHash: null },
        { userId: 'aaaaaaaa-0000-4000-8000-000000000002', managerId: 'm', mailHash: 'h', managerChangedAt: at(5).toISOString(), managerChangedFrom: null, managerChangedTo: 'm', managerChangedRound: 3 },
      ]);
      const got = await store.getUsers(['AAAAAAAA-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000009']);
      expect([...got.keys()]).toEqual(['aaaaaaaa-0000-4000-8000-000000000002']);
      expect(got.get('aaaaaaaa-0000-4000-8000-000000000002')).toMatchObject({ managerChangedFrom: null, managerChangedTo: 'm', managerChangedRound: 3 });
      expect(await store.roundRequestedAt()).toBeUndefined();
      await store.requestRound(at(1));
      await store.requestRound(at(2));
      expect(await store.roundRequestedAt()).toEqual(at(2));
    });
  });
}

watchConformance('in memory', () => Promise.resolve(createMemoryWatchStore()));
watchConformance('Azure Tables (Azurite)', () => createTableWatchStore({ connectionString: azurite.connectionString, tablePrefix: `${runPrefix}n${++n}` }));
