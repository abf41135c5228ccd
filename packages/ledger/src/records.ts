// What the ledger stores. No type here has a field for a TAP secret, a phone number or an email
// address: the ledger holds ids, statuses and times only (DESIGN section 6). The free-text fields
// (`lastError`, audit `detail` values, reason codes) are scrubbed by value shape on every write.

import type { RequestStatus } from '@tapline/domain';

export type { RequestStatus };

/** One step of a request's life: the status it entered and when (the `tapctl status` timeline). */
export interface TimelineEntry {
  readonly status: RequestStatus;
  readonly at: string; // ISO 8601 UTC
  /** Short, secret-free note (e.g. "attempt 2", "superseded by <tapId>"). */
  readonly note?: string;
}

/** Channels a TAP can be delivered through. */
export type DeliveryChannel = 'sms' | 'email';

/** One access-package request (one row of the `requests` table). */
export interface RequestRecord {
  readonly requestId: string;
  readonly status: RequestStatus;
  /** Denial reason codes or the dead-letter reason; empty when none. */
  readonly reasons: readonly string[];
  readonly targetId: string;
  readonly requestorId: string;
  readonly stageInstanceId?: string;
  readonly stage?: string;
  /** The call-out's request type and access package: `tapctl dlq reissue` rebuilds the request message from them. */
  readonly requestType?: string;
  readonly accessPackageId?: string;
  /** Entra resume callback path, when the custom extension waits for one. */
  readonly callbackPath?: string;
  readonly tapId?: string;
  readonly tapExpiresAt?: string;
  readonly channel?: DeliveryChannel;
  readonly providerMessageId?: string;
  /** Delayed-retry attempts so far (the consumer's attempt count, not the broker's delivery count). */
  readonly attempts: number;
  /** Last error, scrubbed and truncated. */
  readonly lastError?: string;
  /** The public reference id shown to the manager (reveals nothing protected). */
  readonly referenceId: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly timeline: readonly TimelineEntry[];
}

/** What is known when a request is first seen by the worker. */
export interface NewRequest {
  readonly requestId: string;
  readonly targetId: string;
  readonly requestorId: string;
  readonly referenceId: string;
  readonly stageInstanceId?: string;
  readonly stage?: string;
  readonly requestType?: string;
  readonly accessPackageId?: string;
  readonly callbackPath?: string;
  readonly at: Date;
}

/** Fields a status transition may set alongside the new status. Omitted fields keep their value. */
export interface RequestPatch {
  readonly reasons?: readonly string[];
  readonly tapId?: string;
  readonly tapExpiresAt?: Date;
  readonly channel?: DeliveryChannel;
  readonly providerMessageId?: string;
  readonly attempts?: number;
  readonly lastError?: string;
  /** Timeline note for this step. */
  readonly note?: string;
}

export interface RequestQuery {
  readonly status?: RequestStatus;
  readonly targetId?: string;
  /** Only requests created at or after this time. */
  readonly since?: Date;
  readonly limit: number;
}

/** The per-target record (one row of the `targets` table). */
export interface TargetRecord {
  readonly targetId: string;
  readonly leaseOwner?: string;
  readonly leaseExpiresAt?: string;
  /** The target's current TAP: the only one a delivery may carry (DESIGN section 4). */
  readonly currentTapId?: string;
  readonly currentTapExpiresAt?: string;
  readonly currentTapRequestId?: string;
  /** When a TAP was last issued to this target (the cooldown check). */
  readonly lastIssuedAt?: string;
}

/** Proof of holding a target's lease; pass it back to write the current TAP or release. */
export interface TargetLease {
  readonly targetId: string;
  readonly owner: string;
  readonly expiresAt: Date;
  /** Concurrency token of the last write made under this lease (opaque). */
  readonly etag: string;
}

export interface CurrentTap {
  readonly tapId: string;
  readonly requestId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

export type AuditDetail = Readonly<Record<string, string | number | boolean | null>>;

export interface NewAuditEvent {
  readonly requestId?: string;
  /** Who: a service name (`worker`, `notifier`) or an on-call user for tapctl actions. */
  readonly actor: string;
  /** What: a stable event name (`request.denied`, `dlq.replayed`, `dlq.purged`, ...). */
  readonly action: string;
  readonly detail?: AuditDetail;
  readonly at: Date;
}

export interface AuditEvent {
  readonly id: string;
  readonly requestId?: string;
  readonly actor: string;
  readonly action: string;
  readonly detail: AuditDetail;
  readonly at: string;
}

export interface AuditQuery {
  readonly requestId?: string;
  readonly since?: Date;
  readonly limit?: number;
}
