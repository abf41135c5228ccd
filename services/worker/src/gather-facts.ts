// The eligibility facts of DESIGN section 3, read at processing time from Graph and the ledger,
// never from the payload (which carries ids only). Reads run in parallel; the first failure wins
// and is already translated (TargetNotFound, GraphForbidden, retryable...). Check 5's evidence
// comes from the directory watch and the audit log (directory-history.ts).
import type { EligibilityFacts, TapRequestMessage } from '@tapline/domain';
import type { ContactOptions } from '@tapline/graph';
import { readTargetHistory } from './directory-history.js';
import type { TargetHistory } from './directory-history.js';
import type { WorkerDeps } from './ports.js';

export interface GatheredFacts extends EligibilityFacts {
  /** Channels changed within the quarantine (the contact guard); nothing to avoid when the check is off. */
  readonly contactsToAvoid: ContactOptions;
}

const NO_HISTORY: TargetHistory = { kind: 'known', contacts: {} };

/**
 * `rateLimits: false` for a request that already passed check 6 and is being re-issued after a
 * crash: its own earlier issue must not count against it (cooldown, quota).
 */
export async function gatherFacts(deps: WorkerDeps, msg: TapRequestMessage, options: { rateLimits: boolean }): Promise<GatheredFacts> {
  const { directory, ledger, settings } = deps;
  const policy = settings.eligibility;
  const now = deps.now();
  const [target, managerChain, activeRoleCount, eligibleRoleCount, excludedGroupMemberships, history, targetRecord, requestorIssuedToday] = await Promise.all([
    directory.getUser(msg.targetId, 'target'),
    directory.managerChain(msg.targetId, policy.maxManagerDepth),
    directory.activeRoleCount(msg.targetId),
    directory.eligibleRoleCount(msg.targetId),
    directory.groupMemberships(msg.targetId, policy.excludedGroupIds),
    policy.managerChangeQuarantineHours > 0 ? readTargetHistory(deps.history, msg, now) : Promise.resolve(NO_HISTORY),
    options.rateLimits ? ledger.getTarget(msg.targetId) : Promise.resolve(null),
    options.rateLimits ? ledger.countIssuedToday(msg.requestorId, now) : Promise.resolve(0),
  ]);
  const lastIssuedAt = targetRecord?.lastIssuedAt;
  const contactsToAvoid = history.kind === 'known' ? history.contacts : {};
  return {
    requestType: msg.requestType,
    stage: msg.stage,
    requestorId: msg.requestorId,
    target: { id: target.id, accountEnabled: target.accountEnabled, userType: target.userType, isExternal: target.isExternal },
    managerChain,
    activeRoleCount,
    eligibleRoleCount,
    excludedGroupMemberships,
    ...(history.kind === 'known' && history.managerChangedAt !== undefined && { lastManagerChangeAt: history.managerChangedAt }),
    ...(history.kind === 'unavailable' && { managerHistoryUnavailable: true }),
    ...((await allContactsChanged(deps, msg.targetId, contactsToAvoid)) && { contactsAllChangedRecently: true }),
    contactsToAvoid,
    ...(lastIssuedAt !== undefined && { targetLastIssuedAt: new Date(lastIssuedAt) }),
    requestorIssuedToday,
  };
}

/** Channels to avoid, and none left once they are avoided, while the directory has some: the guard refuses. */
async function allContactsChanged(deps: WorkerDeps, targetId: string, avoid: ContactOptions): Promise<boolean> {
  if (avoid.excludeMail !== true && (avoid.excludePhoneTypes ?? []).length === 0) return false;
  const left = await deps.directory.contacts(targetId, 'target', avoid);
  if (left.mobilePhones.length > 0 || left.emails.length > 0) return false;
  const all = await deps.directory.contacts(targetId, 'target');
  return all.mobilePhones.length > 0 || all.emails.length > 0;
}
