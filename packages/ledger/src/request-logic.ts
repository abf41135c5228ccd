// The record arithmetic shared by every Ledger implementation, so the fake and the Table
// adapter cannot disagree on what a transition writes.

import { assertTransition, scrubAndCap } from '@tapline/domain';
import type { NewRequest, RequestPatch, RequestRecord, RequestStatus } from './records.js';

// Free text is the only place a secret could slip into the ledger (no record type has a field for a
// TAP, a phone number or an email), so it is scrubbed and capped on the way in.
const MAX_LAST_ERROR = 1024;
const MAX_TIMELINE = 100; // a request lives through a handful of steps; bound pathological retry loops

export function newRequestRecord(input: NewRequest): RequestRecord {
  const at = input.at.toISOString();
  return {
    requestId: input.requestId,
    status: 'received',
    reasons: [],
    targetId: input.targetId,
    requestorId: input.requestorId,
    ...(input.stageInstanceId !== undefined && { stageInstanceId: input.stageInstanceId }),
    ...(input.stage !== undefined && { stage: input.stage }),
    ...(input.requestType !== undefined && { requestType: input.requestType }),
    ...(input.accessPackageId !== undefined && { accessPackageId: input.accessPackageId }),
    ...(input.callbackPath !== undefined && { callbackPath: input.callbackPath }),
    attempts: 0,
    referenceId: input.referenceId,
    createdAt: at,
    updatedAt: at,
    timeline: [{ status: 'received', at }],
  };
}

/** The record after moving to `to`; throws the domain's error on an illegal transition. */
export function applyTransition(current: RequestRecord, to: RequestStatus, patch: RequestPatch, at: Date): RequestRecord {
  assertTransition(current.status, to);
  const iso = at.toISOString();
  const note = patch.note === undefined ? undefined : scrubAndCap(patch.note, 200);
  const timeline = [...current.timeline, { status: to, at: iso, ...(note !== undefined && { note }) }];
  return {
    ...current,
    status: to,
    ...(patch.reasons !== undefined && { reasons: patch.reasons.map((r) => scrubAndCap(r, 100)) }),
    ...(patch.tapId !== undefined && { tapId: patch.tapId }),
    ...(patch.tapExpiresAt !== undefined && { tapExpiresAt: patch.tapExpiresAt.toISOString() }),
    ...(patch.channel !== undefined && { channel: patch.channel }),
    ...(patch.providerMessageId !== undefined && { providerMessageId: patch.providerMessageId }),
    ...(patch.attempts !== undefined && { attempts: patch.attempts }),
    ...(patch.lastError !== undefined && { lastError: scrubAndCap(patch.lastError, MAX_LAST_ERROR) }),
    updatedAt: iso,
    timeline: timeline.length > MAX_TIMELINE ? [timeline[0]!, ...timeline.slice(-(MAX_TIMELINE - 1))] : timeline,
  };
}

export function matchesQuery(r: RequestRecord, q: { status?: RequestStatus; targetId?: string; since?: Date }): boolean {
  return (q.status === undefined || r.status === q.status)
    && (q.targetId === undefined || r.targetId === q.targetId)
    && (q.since === undefined || r.createdAt >= q.since.toISOString());
}

/** The UTC day a quota counter belongs to. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}
