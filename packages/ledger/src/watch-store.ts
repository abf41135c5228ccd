// The directory watch's state (docs/design.md "The directory watch"): one state row per
// deployment (the lease that makes the watch run once however many workers run, the delta token
// it resumes from, when its rounds ran) and one row per user (what the watch last saw, and when it
// first saw the manager or mail change). Ids, hashes and times only: no mail address is stored,
// only its SHA-256, enough to notice that it changed.

/** The deployment's watch: lease, resume point and round times. */
export interface WatchState {
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: string;
  /** Graph's `@odata.deltaLink` of the last completed round (the state token to resume from). */
  readonly deltaLink?: string;
  /** Rounds completed since the deployment's first (1 = the first full sync). */
  readonly round: number;
  /** When the deployment's first full sync started: everything the watch knows dates from here. */
  readonly firstRoundStartedAt?: string;
  /** The last completed round: when it started (what it saw is at least that fresh) and ended. */
  readonly lastRoundStartedAt?: string;
  readonly lastRoundCompletedAt?: string;
  /** Set when the last round failed; cleared by the next that completes. Secret-free. */
  readonly lastError?: string;
  /** The last failure cannot heal by itself (Graph 403: permission missing). */
  readonly lastErrorPermanent?: boolean;
}

/** Proof of holding the watch lease; pass it back to record a round or release. */
export interface WatchLease {
  readonly owner: string;
  readonly expiresAt: Date;
  readonly etag: string;
}

/** One user as the watch last saw it. */
export interface WatchedUser {
  readonly userId: string;
  readonly managerId: string | null;
  /** SHA-256 (hex) of the lower-cased mail, or null when the user has none. */
  readonly mailHash: string | null;
  readonly deleted?: boolean;
  /** The newest manager change the watch observed: when it first saw it, from whom to whom, which round. */
  readonly managerChangedAt?: string;
  readonly managerChangedFrom?: string | null;
  readonly managerChangedTo?: string | null;
  readonly managerChangedRound?: number;
  readonly mailChangedAt?: string;
  readonly mailChangedRound?: number;
}

export interface RoundRecord {
  readonly deltaLink: string;
  readonly round: number;
  readonly startedAt: Date;
  readonly completedAt: Date;
  /** Only on the deployment's first round (a restart keeps the first round's time). */
  readonly firstRoundStartedAt?: Date;
}

export interface WatchStore {
  getState(): Promise<WatchState | null>;
  /** The lease when free, already ours, or expired; null while another owner holds it. */
  acquireLease(owner: string, ttlMs: number, now: Date): Promise<WatchLease | null>;
  /** Extends a held lease; `LeaseLostError` if it was taken over. */
  renewLease(lease: WatchLease, ttlMs: number, now: Date): Promise<WatchLease>;
  /** Records a completed round under the lease (`LeaseLostError` if taken over). */
  recordRound(lease: WatchLease, round: RoundRecord): Promise<WatchLease>;
  /** Records a failed round under the lease; the resume point stays. */
  recordFailure(lease: WatchLease, error: string, permanent: boolean): Promise<WatchLease>;
  /** Forgets the resume point (the delta token expired): the next round is a full sync. */
  clearDeltaLink(lease: WatchLease): Promise<WatchLease>;
  releaseLease(lease: WatchLease): Promise<void>;

  /** A worker wants a round that starts at or after `at` (one row, last writer wins). */
  requestRound(at: Date): Promise<void>;
  roundRequestedAt(): Promise<Date | undefined>;

  getUsers(userIds: readonly string[]): Promise<Map<string, WatchedUser>>;
  /** Upserts (replaces) each row; called by the lease holder only. */
  putUsers(users: readonly WatchedUser[]): Promise<void>;
}
