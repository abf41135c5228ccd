import type {
  AuditEvent, AuditQuery, CurrentTap, NewAuditEvent, NewRequest, RequestPatch, RequestQuery,
  RequestRecord, RequestStatus, TargetLease, TargetRecord,
} from './records.js';

/**
 * The ledger port (DESIGN section 7). Every status write goes through `transition`, which
 * enforces the domain's state machine; the target lease and current TAP id are guarded by
 * optimistic concurrency so two workers can never both believe they own a target.
 */
export interface Ledger {
  // requests
  /** Idempotent: returns the existing row (created: false) when the request is already known. */
  recordReceived(request: NewRequest): Promise<{ record: RequestRecord; created: boolean }>;
  /**
   * Moves a request to `to` (read, check the domain's state machine, conditional write, bounded
   * retry on a concurrent write) and appends a timeline step. Same-status moves are allowed only
   * where the domain allows them (received->received, issuing->issuing: a retry). An illegal
   * transition throws the domain's `IllegalTransition`; an unknown request `RequestNotFoundError`.
   */
  transition(requestId: string, to: RequestStatus, patch?: RequestPatch, at?: Date): Promise<RequestRecord>;
  getRequest(requestId: string): Promise<RequestRecord | null>;
  /** Newest first. */
  listRequests(query: RequestQuery): Promise<RequestRecord[]>;

  // targets
  /** The lease, or null while someone else holds an unexpired one. Re-entrant for the same owner. */
  acquireTargetLease(targetId: string, owner: string, ttlMs: number, now?: Date): Promise<TargetLease | null>;
  /** Extends a held lease; throws `LeaseLostError` if it was taken over. */
  renewTargetLease(lease: TargetLease, ttlMs: number, now?: Date): Promise<TargetLease>;
  /** Records the target's current TAP; only while holding the lease, else `LeaseLostError`. */
  setCurrentTap(lease: TargetLease, tap: CurrentTap): Promise<TargetLease>;
  /** Releases the lease if still held; a lease already taken over is left alone. */
  releaseTargetLease(lease: TargetLease): Promise<void>;
  getTarget(targetId: string): Promise<TargetRecord | null>;

  // quotas (per requestor, per UTC day)
  countIssuedToday(requestorId: string, now: Date): Promise<number>;
  /** Returns the count after the increment. */
  incrementIssued(requestorId: string, now: Date): Promise<number>;

  // audit (append-only)
  appendAudit(event: NewAuditEvent): Promise<AuditEvent>;
  /** Oldest first. */
  listAudit(query?: AuditQuery): Promise<AuditEvent[]>;
}
