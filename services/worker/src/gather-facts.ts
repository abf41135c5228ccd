// The eligibility facts of DESIGN section 3, read at processing time from Graph and the ledger,
// never from the payload (which carries ids only). Reads run in parallel; the first failure wins
// and is already translated (TargetNotFound, GraphForbidden, retryable...).
import type { EligibilityFacts, TapRequestMessage } from '@tapline/domain';
import type { WorkerDeps } from './ports.js';

const HOUR_MS = 3_600_000;

/**
 * `rateLimits: false` for a request that already passed check 6 and is being re-issued after a
 * crash: its own earlier issue must not count against it (cooldown, quota).
 */
export async function gatherFacts(deps: WorkerDeps, msg: TapRequestMessage, options: { rateLimits: boolean }): Promise<EligibilityFacts> {
  const { directory, ledger, settings } = deps;
  const policy = settings.eligibility;
  const now = deps.now();
  const quarantineSince = new Date(now.getTime() - policy.managerChangeQuarantineHours * HOUR_MS);
  const [target, managerChain, activeRoleCount, eligibleRoleCount, excludedGroupMemberships, lastManagerChangeAt, targetRecord, requestorIssuedToday] = await Promise.all([
    directory.getUser(msg.targetId, 'target'),
    directory.managerChain(msg.targetId, policy.maxManagerDepth),
    directory.activeRoleCount(msg.targetId),
    directory.eligibleRoleCount(msg.targetId),
    directory.groupMemberships(msg.targetId, policy.excludedGroupIds),
    policy.managerChangeQuarantineHours > 0 ? directory.lastManagerChangeAt(msg.targetId, quarantineSince) : Promise.resolve(undefined),
    options.rateLimits ? ledger.getTarget(msg.targetId) : Promise.resolve(null),
    options.rateLimits ? ledger.countIssuedToday(msg.requestorId, now) : Promise.resolve(0),
  ]);
  const lastIssuedAt = targetRecord?.lastIssuedAt;
  return {
    requestType: msg.requestType,
    stage: msg.stage,
    requestorId: msg.requestorId,
    target: { id: target.id, accountEnabled: target.accountEnabled, userType: target.userType, isExternal: target.isExternal },
    managerChain,
    activeRoleCount,
    eligibleRoleCount,
    excludedGroupMemberships,
    ...(lastManagerChangeAt !== undefined && { lastManagerChangeAt }),
    ...(lastIssuedAt !== undefined && { targetLastIssuedAt: new Date(lastIssuedAt) }),
    requestorIssuedToday,
  };
}
