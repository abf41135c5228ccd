// The in-memory WatchStore: the fake for handler tests; passes test/watch-conformance.ts.
import { LeaseLostError } from './errors.js';
import { isWatchLeaseFree, watchLeaseOf, withRound } from './watch-logic.js';
import type { WatchLease, WatchState, WatchStore, WatchedUser } from './watch-store.js';

export function createMemoryWatchStore(): WatchStore {
  let version = 0;
  let state: { value: WatchState; etag: string } | undefined;
  let requested: Date | undefined;
  const users = new Map<string, WatchedUser>();
  const copy = <T>(v: T): T => structuredClone(v);

  async function writeHeld(lease: WatchLease, change: (s: WatchState) => WatchState): Promise<WatchLease> {
    await Promise.resolve();
    if (!state || state.etag !== lease.etag) throw new LeaseLostError('directory-watch', lease.owner);
    state = { value: change(state.value), etag: `W/"mem-${++version}"` };
    return watchLeaseOf(state.value, state.etag);
  }

  return {
    async getState() {
      await Promise.resolve();
      return state ? copy(state.value) : null;
    },
    async acquireLease(owner, ttlMs, now) {
      await Promise.resolve();
      const current = state?.value ?? { round: 0 };
      if (!isWatchLeaseFree(current, owner, now)) return null;
      state = { value: { ...current, leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() }, etag: `W/"mem-${++version}"` };
      return watchLeaseOf(state.value, state.etag);
    },
    renewLease: (lease, ttlMs, now) => writeHeld(lease, (s) => ({ ...s, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() })),
    recordRound: (lease, round) => writeHeld(lease, (s) => withRound(s, round)),
    recordFailure: (lease, error, permanent) => writeHeld(lease, (s) => ({ ...s, lastError: error, lastErrorPermanent: permanent })),
    clearDeltaLink: (lease) => writeHeld(lease, ({ deltaLink: _d, ...rest }) => rest),
    async releaseLease(lease) {
      try {
        await writeHeld(lease, ({ leaseOwner: _o, leaseExpiresAt: _e, ...rest }) => rest);
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
      }
    },
    async requestRound(at) {
      await Promise.resolve();
      requested = at;
    },
    async roundRequestedAt() {
      await Promise.resolve();
      return requested;
    },
    async getUsers(ids) {
      await Promise.resolve();
      const out = new Map<string, WatchedUser>();
      for (const id of ids) {
        const u = users.get(id.toLowerCase());
        if (u) out.set(u.userId, copy(u));
      }
      return out;
    },
    async putUsers(rows) {
      await Promise.resolve();
      for (const u of rows) users.set(u.userId.toLowerCase(), copy(u));
    },
  };
}
