// Lease rules for the watch, shared by the Table adapter and the fake.
import type { WatchLease, WatchState } from './watch-store.js';

export function isWatchLeaseFree(state: WatchState, owner: string, now: Date): boolean {
  return state.leaseOwner === undefined || state.leaseOwner === owner || (state.leaseExpiresAt ?? '') <= now.toISOString();
}

export function watchLeaseOf(state: WatchState, etag: string): WatchLease {
  return { owner: state.leaseOwner ?? '', expiresAt: new Date(state.leaseExpiresAt ?? 0), etag };
}

export function withRound(state: WatchState, r: { deltaLink: string; round: number; startedAt: Date; completedAt: Date; firstRoundStartedAt?: Date }): WatchState {
  const { lastError: _e, lastErrorPermanent: _p, ...rest } = state;
  return {
    ...rest,
    deltaLink: r.deltaLink,
    round: r.round,
    lastRoundStartedAt: r.startedAt.toISOString(),
    lastRoundCompletedAt: r.completedAt.toISOString(),
    ...(state.firstRoundStartedAt === undefined && r.firstRoundStartedAt !== undefined && { firstRoundStartedAt: r.firstRoundStartedAt.toISOString() }),
  };
}
