// The directory watch (docs/design.md "The directory watch"): follows Graph's users/delta and
// records in the ledger, per user, when a manager or mail change was first seen. It runs inside
// the worker process, once per deployment: every worker competes for one ETag lease in the ledger
// and only the holder runs rounds; when the holder dies its lease runs out and another takes over,
// resuming from the stored delta token. Rounds run on an interval and whenever a worker asks for
// one (a request waiting for a round that started after it arrived); one round serves every
// request waiting at the time.
import { isPermanent } from '@tapline/domain';
import { DeltaTokenExpiredError, sleep } from '@tapline/graph';
import type { DirectoryChangeFeed, UserDelta } from '@tapline/graph';
import { LeaseLostError } from '@tapline/ledger';
import type { WatchLease, WatchState, WatchStore, WatchedUser } from '@tapline/ledger';
import { LOG, info, warn } from './logs.js';
import type { Logger } from './logs.js';

export interface DirectoryWatchSettings {
  /** A round at least this often, asked or not. */
  readonly pollIntervalMs: number;
  readonly leaseTtlMs: number;
  /** How often the loop looks at the lease and at round requests (a ledger read, no Graph call). */
  readonly tickMs: number;
}

export interface DirectoryWatchDeps {
  readonly store: WatchStore;
  readonly feed: DirectoryChangeFeed;
  /** Unique per process: the lease owner. */
  readonly owner: string;
  /** False: never take the lease (this process only reads what the holder records). */
  readonly competes: boolean;
  readonly settings: DirectoryWatchSettings;
  readonly log: Logger;
  readonly now: () => Date;
  /** Told of every completed round (metrics). */
  readonly onRound?: () => void;
}

export interface RoundSummary {
  readonly round: number;
  readonly fullSync: boolean;
  readonly users: number;
  readonly managerChanges: number;
  readonly mailChanges: number;
  readonly startedAt: Date;
}

export interface DirectoryWatch {
  /** Starts competing for the lease and running rounds. */
  start(): void;
  /** Stops the loop and releases the lease (another worker takes over at once). */
  stop(): Promise<void>;
  readonly holdsLease: () => boolean;
  /**
   * A round that starts at or after `notBefore` has completed (in this process when it holds the
   * lease; otherwise the holder is asked through the ledger). Resolves with the state after it.
   */
  roundSince(notBefore: Date, signal?: AbortSignal): Promise<WatchState | null>;
}

/** A round asked for but not run within this long means the watch is not running anywhere. */
export class WatchRoundTimeout extends Error {
  override readonly name = 'WatchRoundTimeout';
}

export function createDirectoryWatch(deps: DirectoryWatchDeps): DirectoryWatch {
  const { store, feed, settings, log } = deps;
  let lease: WatchLease | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  const stopper = new AbortController();
  // In-process coalescing: the round running now, and when it started.
  let current: { startedAt: Date; done: Promise<WatchState | null> } | undefined;
  let next: Promise<WatchState | null> | undefined;

  // One lease operation at a time: the loop and waiting requests all call holdLease, and an answer
  // that arrives late ("someone else holds it": this very process, a moment ago) must not drop it.
  let holding: Promise<void> | undefined;
  function holdLease(): Promise<void> {
    holding ??= takeOrRenew().finally(() => {
      holding = undefined;
    });
    return holding;
  }

  async function takeOrRenew(): Promise<void> {
    const now = deps.now();
    try {
      if (lease !== undefined && lease.expiresAt.getTime() - now.getTime() > settings.leaseTtlMs / 2) return;
      if (lease !== undefined) {
        lease = await store.renewLease(lease, settings.leaseTtlMs, now);
        return;
      }
      lease = (await store.acquireLease(deps.owner, settings.leaseTtlMs, now)) ?? undefined;
      if (lease !== undefined) info(log, LOG.watchLeaseTaken, { owner: deps.owner });
    } catch (err) {
      if (err instanceof LeaseLostError) {
        warn(log, LOG.watchLeaseLost, {});
        lease = undefined;
        return;
      }
      throw err;
    }
  }

  /** One round under the lease: rows first, then the round (a reader that sees the round sees its rows). */
  async function runRound(): Promise<WatchState | null> {
    if (lease === undefined) return store.getState();
    const startedAt = deps.now();
    const state = (await store.getState()) ?? { round: 0 };
    let result;
    try {
      try {
        result = await feed.deltaRound(state.deltaLink);
      } catch (err) {
        if (!(err instanceof DeltaTokenExpiredError)) throw err;
        // The token expired or is unknown: start over with a full sync (changes are then found by
        // comparing with what the ledger holds).
        warn(log, LOG.watchResync, { round: state.round });
        lease = await store.clearDeltaLink(lease);
        result = await feed.deltaRound(undefined);
      }
      const summary = await applyRound(result.users, state, startedAt, result.fullSync);
      lease = await store.recordRound(lease, {
        deltaLink: result.deltaLink,
        round: state.round + 1,
        startedAt,
        completedAt: deps.now(),
        ...(state.firstRoundStartedAt === undefined && { firstRoundStartedAt: startedAt }),
      });
      info(log, LOG.watchRound, { ...summary, startedAt: startedAt.toISOString(), pages: result.pages });
      deps.onRound?.();
    } catch (err) {
      if (err instanceof LeaseLostError) {
        lease = undefined;
        throw err;
      }
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      warn(log, LOG.watchRoundFailed, { error: message, permanent: isPermanent(err) });
      if (lease !== undefined) lease = await store.recordFailure(lease, message, isPermanent(err)).catch(() => lease);
      throw err;
    }
    return store.getState();
  }

  /**
   * Compares what the round reports with what the ledger holds and writes the users that changed.
   * The deployment's first round records a baseline; every later round (a resync after an expired
   * token included) records a change for a new user with a manager, as for any other change.
   */
  async function applyRound(users: readonly UserDelta[], state: WatchState, startedAt: Date, fullSync: boolean): Promise<Omit<RoundSummary, 'startedAt'>> {
    const round = state.round + 1;
    const baseline = state.firstRoundStartedAt === undefined;
    // The first round has nothing to compare with: skip reading thousands of rows.
    const known = baseline ? new Map<string, WatchedUser>() : await store.getUsers(users.map((u) => u.id));
    const observedAt = deps.now().toISOString();
    const writes: WatchedUser[] = [];
    let managerChanges = 0;
    let mailChanges = 0;
    for (const u of users) {
      const before = known.get(u.id);
      if (u.removed) {
        if (before !== undefined && before.deleted !== true) writes.push({ ...before, deleted: true });
        continue;
      }
      let row: WatchedUser = before !== undefined
        ? { ...before, deleted: false }
        : { userId: u.id, managerId: u.managerId ?? null, mailHash: u.mailHash ?? null };
      const managerNow = u.managerId !== undefined ? u.managerId : row.managerId;
      const managerBefore = before?.managerId ?? null;
      if (!baseline && (before === undefined ? managerNow !== null : managerNow !== managerBefore)) {
        row = { ...row, managerId: managerNow, managerChangedAt: observedAt, managerChangedFrom: managerBefore, managerChangedTo: managerNow, managerChangedRound: round };
        managerChanges += 1;
      }
      const mailNow = u.mailHash !== undefined ? u.mailHash : row.mailHash;
      if (!baseline && before !== undefined && mailNow !== before.mailHash) {
        row = { ...row, mailHash: mailNow, mailChangedAt: observedAt, mailChangedRound: round };
        mailChanges += 1;
      }
      if (before === undefined || JSON.stringify(row) !== JSON.stringify(before)) writes.push(row);
    }
    await store.putUsers(writes);
    return { round, fullSync, users: users.length, managerChanges, mailChanges };
  }

  /** A round that starts after every caller so far: joins the next one, or starts it. */
  function nextRound(): Promise<WatchState | null> {
    if (next !== undefined) return next;
    const after = current?.done.catch(() => null) ?? Promise.resolve(null);
    next = after.then(() => {
      next = undefined;
      const startedAt = deps.now();
      const done = runRound();
      current = { startedAt, done };
      return done.finally(() => {
        if (current?.done === done) current = undefined;
      });
    });
    return next;
  }

  async function tick(): Promise<void> {
    await holdLease();
    if (lease === undefined) return;
    const state = await store.getState();
    const last = state?.lastRoundStartedAt === undefined ? 0 : Date.parse(state.lastRoundStartedAt);
    const requested = (await store.roundRequestedAt())?.getTime() ?? 0;
    const due = deps.now().getTime() - last >= settings.pollIntervalMs || requested > last;
    if (due && current === undefined && next === undefined) await nextRound();
  }

  return {
    start() {
      if (running || !deps.competes) return;
      running = true;
      loop = (async () => {
        for (let ticks = 0; running && ticks < Number.MAX_SAFE_INTEGER; ticks++) {
          try {
            await tick();
          } catch (err) {
            if (!(err instanceof LeaseLostError)) warn(log, LOG.watchTickFailed, { error: err instanceof Error ? err.name : 'unknown' });
          }
          await sleep(settings.tickMs, stopper.signal).catch(() => undefined);
        }
      })();
    },

    async stop() {
      running = false;
      stopper.abort();
      await loop;
      await current?.done.catch(() => undefined);
      if (lease !== undefined) await store.releaseLease(lease).catch(() => undefined);
      lease = undefined;
    },

    holdsLease: () => lease !== undefined,

    async roundSince(notBefore, signal) {
      const fresh = (s: WatchState | null) => s?.lastRoundStartedAt !== undefined && Date.parse(s.lastRoundStartedAt) >= notBefore.getTime();
      const state = await store.getState();
      if (fresh(state)) return state;
      // Free (or its holder dead): take it now rather than at the next tick.
      if (deps.competes && lease === undefined) await holdLease();
      if (lease !== undefined) {
        // This process runs the watch: join the round running now if it started late enough.
        if (current !== undefined && current.startedAt.getTime() >= notBefore.getTime()) return current.done;
        return nextRound();
      }
      // Another worker holds the lease (or nobody yet): ask through the ledger and watch the state.
      await store.requestRound(deps.now());
      for (let polls = 0; polls < 10_000; polls++) {
        await sleep(Math.min(200, settings.tickMs), signal);
        const s = await store.getState();
        if (fresh(s)) return s;
      }
      throw new WatchRoundTimeout('no directory watch round after 10,000 polls');
    },
  };
}
