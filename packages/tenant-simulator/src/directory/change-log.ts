import { randomUUID } from 'node:crypto';

/** One user mutation as `users/delta` needs it: which user, and what it needs to report. */
export interface UserChange {
  readonly seq: number;
  readonly userId: string;
  /** Set when the manager changed: the manager before this change (null: none). */
  readonly managerFrom?: string | null;
  readonly deleted?: boolean;
}

/**
 * The directory's change feed: every user mutation gets the next sequence number. A delta state
 * token is a position in this log; `generation` changes on reset, so tokens from before a reset
 * are unknown to the tenant (as a token from another tenant would be).
 */
export class ChangeLog {
  readonly generation = randomUUID();
  private readonly entries: UserChange[] = [];
  private seq = 0;

  record(userId: string, what: { managerFrom?: string | null; deleted?: boolean } = {}): void {
    this.seq += 1;
    this.entries.push({ seq: this.seq, userId, ...what });
  }

  /** The position a round that starts now ends at. */
  head(): number {
    return this.seq;
  }

  /** Changes after `seq` up to and including `until`, oldest first. */
  between(seq: number, until: number): readonly UserChange[] {
    return this.entries.filter((c) => c.seq > seq && c.seq <= until);
  }
}
