import type { AssignmentRequestFacts, DeliveryContacts, TapPolicyBounds } from '@tapline/domain';

/**
 * The ports the worker and the notifier use to talk to the directory, named for intent. The real
 * adapters (`graph-*.ts`) go through Microsoft Graph; `memory-tenant.ts` is the in-memory fake.
 * Both pass `test/conformance.ts`.
 *
 * Every method throws the domain's taxonomy only: `PermanentError` with a dead-letter reason,
 * `RetryableError` (with `retryAfterMs` when Graph said so), or anything else for a bug.
 */

/** Which side of the request a user lookup is for: it decides the not-found reason. */
export type UserRole = 'target' | 'requestor';

export interface DirectoryUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string | null;
  readonly mail: string | null;
  readonly accountEnabled: boolean;
  readonly userType: 'Member' | 'Guest';
  /** A B2B user homed in another tenant (`creationType: Invitation` or an `externalUserState`). */
  readonly isExternal: boolean;
}

export interface ContactOptions {
  /** Phone methods not to use (registered within the quarantine). */
  readonly excludePhoneTypes?: readonly PhoneMethodType[];
  /** Leave the mail out (changed within the quarantine). */
  readonly excludeMail?: boolean;
}

export interface Directory {
  /** Throws `PermanentError` `TargetNotFound` or `RequestorNotFound` (by `role`) when missing. */
  getUser(idOrUpn: string, role: UserRole): Promise<DirectoryUser>;
  /** Manager ids: index 0 is the direct manager, then the skip-level; shorter when the chain ends. */
  managerChain(userId: string, depth: number): Promise<string[]>;
  /** Active directory role assignments, transitive (roles through groups count). */
  activeRoleCount(userId: string): Promise<number>;
  /** PIM-eligible directory role assignments. */
  eligibleRoleCount(userId: string): Promise<number>;
  /** The subset of `groupIds` the user is a member of, transitively. */
  groupMemberships(userId: string, groupIds: readonly string[]): Promise<string[]>;
  /**
   * Where the user can be reached, from the directory only: SMS-capable phone methods (mobile,
   * alternate mobile; office phones cannot receive SMS) and the mail attribute.
   */
  contacts(userId: string, role: UserRole, options?: ContactOptions): Promise<DeliveryContacts>;
}

/** Phone authentication method types (office lines cannot receive SMS). */
export type PhoneMethodType = 'mobile' | 'alternateMobile' | 'office';

/** One user as a `users/delta` round reported it. Fields absent: not reported (unchanged). */
export interface UserDelta {
  readonly id: string;
  /** Deleted (soft or hard): the user is gone from the directory. */
  readonly removed: boolean;
  /** The manager now (null: none). A full sync always says; later rounds only when it changed. */
  readonly managerId?: string | null;
  /** SHA-256 of the mail (null: none); the address itself never leaves the adapter. */
  readonly mailHash?: string | null;
  readonly accountEnabled?: boolean;
  readonly userType?: string;
}

export interface DeltaRound {
  readonly users: readonly UserDelta[];
  /** The state token to resume from (Graph's `@odata.deltaLink`). */
  readonly deltaLink: string;
  /** True when the round started without a token: every user is in it. */
  readonly fullSync: boolean;
  readonly pages: number;
}

/** A change the audit log records: who changed what for whom, when. */
export interface AuditChange {
  readonly userId: string;
  readonly at: Date;
  readonly kind: 'manager' | 'mail' | 'phone';
  /** For `phone`: which method, when the entry names it (otherwise any phone may have changed). */
  readonly phoneType?: PhoneMethodType;
  /** The user or app that made the change. */
  readonly by?: string;
}

/** Graph answered 400 `syncStateNotFound`: the delta token expired or is unknown; sync again from scratch. */
export class DeltaTokenExpiredError extends Error {
  override readonly name = 'DeltaTokenExpiredError';
  constructor() {
    super('usersDelta: Graph answered 400 syncStateNotFound (the delta token expired or is unknown)');
  }
}

/** What the directory watch and the quarantine read besides the per-request directory facts. */
export interface DirectoryChangeFeed {
  /** One `users/delta` round: from `deltaLink`, or a full sync without one. `DeltaTokenExpiredError` when Graph refuses the token. */
  deltaRound(deltaLink: string | undefined): Promise<DeltaRound>;
  /** Manager, mail and phone-method changes the audit log shows since `since`, tenant-wide. */
  auditChanges(since: Date): Promise<AuditChange[]>;
}

/** The tenant's TAP policy (authentication methods policy, TemporaryAccessPass configuration). */
export interface TapPolicy extends TapPolicyBounds {
  readonly state: 'enabled' | 'disabled';
  readonly defaultLength: number;
}

export interface TapRequest {
  readonly lifetimeMinutes: number;
  readonly isUsableOnce: boolean;
}

/** What Graph's create answered. `secret` exists nowhere else: seal it, never log it. */
export interface IssuedTap {
  readonly id: string;
  readonly secret: string;
  readonly createdDateTime: string;
  readonly startDateTime: string;
  readonly lifetimeInMinutes: number;
  readonly isUsableOnce: boolean;
}

export interface TapIssuer {
  /** Read through a cache with a TTL: the policy changes rarely and every issue needs it. */
  policy(): Promise<TapPolicy>;
  /**
   * Creates a TAP; a new one silently replaces the user's current one (platform facts 4).
   * Throws `TapPolicyRejected` when Graph refuses it under the tenant policy.
   */
  create(userId: string, request: TapRequest): Promise<IssuedTap>;
}

export interface ResumeRequest {
  readonly stage: string;
  readonly stageInstanceId: string;
  /** Audited by Entra as the caller. */
  readonly source: string;
  /** Shown to approvers; never a secret or a contact. */
  readonly detail?: string;
  /** Set to deny or cancel the request; omit to let it continue. */
  readonly state?: 'denied' | 'canceled';
}

export interface EntitlementManagement {
  /** `POST .../assignmentRequests/{id}/resume` (204); 400 when the request no longer waits. */
  resume(assignmentRequestId: string, request: ResumeRequest): Promise<void>;
}

/**
 * Entitlement management's access-package assignment requests, read only (application permission
 * EntitlementManagement.Read.All): the worker confirms a call-out against the request it names.
 */
export interface AssignmentRequests {
  /** The request with its requestor, target, package and call-outs; undefined when Graph answers 404. */
  get(assignmentRequestId: string): Promise<AssignmentRequestFacts | undefined>;
}

/** Per-process Graph call counts, for metrics and the bench. */
export interface GraphCallStats {
  readonly calls: number;
  readonly throttled: number;
  readonly failed: number;
  readonly writes: number;
}
