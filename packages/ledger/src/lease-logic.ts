// The target-lease rules shared by every Ledger implementation, so the fake and the Table adapter
// cannot disagree on when a lease may be taken.

import type { TargetLease, TargetRecord } from './records.js';

/** Free when nobody holds it, the caller already does, or the holder's lease has run out. */
export function isLeaseFree(target: TargetRecord, owner: string, now: Date): boolean {
  return target.leaseOwner === undefined || target.leaseOwner === owner || (target.leaseExpiresAt ?? '') <= now.toISOString();
}

/** The lease a caller holds on `target` as written with `etag`. */
export function leaseOf(target: TargetRecord, etag: string): TargetLease {
  return { targetId: target.targetId, owner: target.leaseOwner ?? '', expiresAt: new Date(target.leaseExpiresAt ?? 0), etag };
}
