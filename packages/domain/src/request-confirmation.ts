import type { RequestStage } from './extension-event.js';
import { sameId } from './guid.js';
import type { RefusalReason } from './reasons.js';

/**
 * Check 0 (DESIGN section 3): the call-out's word is not taken for the request itself. The worker
 * reads the access-package assignment request from Graph and this function holds the call-out to
 * it. Any failure is a refusal: nothing is sent to anyone the call-out names.
 */

/** The assignment request as Graph returns it (`/identityGovernance/entitlementManagement/assignmentRequests/{id}`). */
export interface AssignmentRequestFacts {
  readonly id: string;
  /** accessPackageRequestState: submitted, pendingApproval, delivering, delivered, denied, canceled... */
  readonly state: string | null;
  /** The requestor subject's `objectId` (null when the subject is not a tenant user). */
  readonly requestorObjectId: string | null;
  /** The assignment's target subject's `objectId`. */
  readonly targetObjectId: string | null;
  readonly accessPackageId: string | null;
  /** The ids of `customExtensionCalloutInstances`: each is a call-out's CustomExtensionStageInstanceId. */
  readonly calloutInstanceIds: readonly string[];
}

/** What the call-out claims, as the queue message carries it. */
export interface ClaimedRequest {
  readonly requestorId: string;
  readonly targetId: string;
  readonly stage: RequestStage;
  readonly stageInstanceId: string;
}

/**
 * The request states a call-out at each stage may find in Graph. The sources are silent on the
 * exact state at each stage, so these are wide enough for a request that moved on while the
 * call-out was queued (a fire-and-forget extension does not hold the request), and exclude the
 * states that end a request without access: denied, canceled, deliveryFailed.
 */
export const STATES_AT_STAGE: Readonly<Record<RequestStage, readonly string[]>> = {
  assignmentRequestCreated: ['submitted', 'pendingApproval'],
  assignmentRequestApproved: ['pendingApproval', 'scheduled', 'delivering', 'delivered', 'partiallyDelivered'],
  assignmentRequestGranted: ['delivering', 'delivered', 'partiallyDelivered'],
  assignmentRequestRemoved: ['delivering', 'delivered', 'partiallyDelivered'],
};

/**
 * The refusal reasons, every failing one in table order (empty: the request is the one Graph
 * holds). `undefined` facts: Graph has no such request, which says nothing else.
 */
export function confirmRequest(
  facts: AssignmentRequestFacts | undefined, claimed: ClaimedRequest, servedAccessPackageIds: readonly string[],
): RefusalReason[] {
  if (facts === undefined) return ['RequestNotFound'];
  const reasons: RefusalReason[] = [];
  if (facts.requestorObjectId === null || !sameId(facts.requestorObjectId, claimed.requestorId)) reasons.push('RequestorMismatch');
  if (facts.targetObjectId === null || !sameId(facts.targetObjectId, claimed.targetId)) reasons.push('TargetMismatch');
  const packageId = facts.accessPackageId;
  if (packageId === null || !servedAccessPackageIds.some((p) => sameId(p, packageId))) reasons.push('AccessPackageNotServed');
  const state = facts.state?.toLowerCase();
  if (state === undefined || !STATES_AT_STAGE[claimed.stage].some((s) => s.toLowerCase() === state)) reasons.push('RequestStateMismatch');
  if (!facts.calloutInstanceIds.some((id) => sameId(id, claimed.stageInstanceId))) reasons.push('UnknownStageInstance');
  return reasons;
}
