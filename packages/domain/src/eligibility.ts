import { z } from 'zod';
import type { RequestStage, RequestType } from './extension-event.js';
import { REQUEST_STAGES, REQUEST_TYPES } from './extension-event.js';
import { guidSchema, sameId } from './guid.js';
import type { ReportedReason } from './reasons.js';

/**
 * Who may get a TAP (DESIGN section 3). The worker gathers the facts from Graph and the ledger at
 * processing time (never from the payload) and this function decides. A denial is a decision with
 * reason codes, not a failure; each reason is one entry of the table in reasons.ts.
 */

export interface EligibilityFacts {
  readonly requestType: RequestType;
  readonly stage: RequestStage;
  readonly requestorId: string;
  readonly target: {
    readonly id: string;
    readonly accountEnabled: boolean;
    readonly userType: 'Member' | 'Guest';
    /** True for B2B users homed in another tenant (creationType/identities say so). */
    readonly isExternal?: boolean;
  };
  /** Index 0 is the direct manager, then the skip-level, as deep as policy.maxManagerDepth. */
  readonly managerChain: readonly string[];
  /** Active directory role assignments, transitive (through groups). */
  readonly activeRoleCount: number;
  /** PIM-eligible directory role assignments. */
  readonly eligibleRoleCount: number;
  /** Groups the target is a member of (transitively); only those in policy.excludedGroupIds matter. */
  readonly excludedGroupMemberships: readonly string[];
  /** Last change of the target's manager attribute: the directory watch or the audit log, the newer. */
  readonly lastManagerChangeAt?: Date;
  /** Neither the directory watch nor the audit log could be read for good: check 5 cannot pass. */
  readonly managerHistoryUnavailable?: boolean;
  /** The target has delivery channels, but every one changed within the quarantine (the contact guard). */
  readonly contactsAllChangedRecently?: boolean;
  /** Last TAP issued to the target by tapline (ledger). */
  readonly targetLastIssuedAt?: Date;
  /** TAPs issued on behalf of this requestor since the start of the current UTC day (ledger). */
  readonly requestorIssuedToday: number;
}

export const eligibilityPolicySchema = z.object({
  /**
   * Check 0: the access packages whose requests this deployment serves (the ones its custom
   * extension is attached to). Empty refuses every request: a deployment must name its package.
   */
  servedAccessPackageIds: z.array(guidSchema).default([]),
  handled: z
    .object({
      requestTypes: z.array(z.enum(REQUEST_TYPES)).min(1),
      stages: z.array(z.enum(REQUEST_STAGES)).min(1),
    })
    .default({ requestTypes: ['onBehalfAdd'], stages: ['assignmentRequestApproved', 'assignmentRequestGranted'] }),
  maxManagerDepth: z.number().int().min(1).max(10).default(1),
  allowGuests: z.boolean().default(false),
  excludedGroupIds: z.array(guidSchema).default([]),
  /** 0 disables the check. */
  managerChangeQuarantineHours: z.number().min(0).max(24 * 365).default(24),
  /** 0 disables the check. */
  targetCooldownMinutes: z.number().min(0).max(60 * 24 * 30).default(60),
  requestorDailyQuota: z.number().int().min(1).max(10_000).default(5),
});

export type EligibilityPolicy = z.output<typeof eligibilityPolicySchema>;

function freezeDefaults(policy: EligibilityPolicy): EligibilityPolicy {
  Object.freeze(policy.handled.requestTypes);
  Object.freeze(policy.handled.stages);
  Object.freeze(policy.handled);
  Object.freeze(policy.excludedGroupIds);
  Object.freeze(policy.servedAccessPackageIds);
  return Object.freeze(policy);
}

/** Deeply frozen: spread it and override (`{ ...DEFAULT_ELIGIBILITY_POLICY, allowGuests: true }`). */
export const DEFAULT_ELIGIBILITY_POLICY: EligibilityPolicy = freezeDefaults(eligibilityPolicySchema.parse({}));

export type EligibilityDecision = { readonly allowed: true } | { readonly allowed: false; readonly reasons: readonly ReportedReason[] };

/** Check 1 alone: the intake uses it to skip enqueueing, the worker before reading Graph. */
export function isHandledRequest(handled: EligibilityPolicy['handled'], requestType: RequestType, stage: RequestStage): boolean {
  return handled.requestTypes.includes(requestType) && handled.stages.includes(stage);
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * Every check runs and every failing one is reported, in DESIGN order, so the audit shows the whole
 * picture (a privileged target whose manager also just changed is worth two alerts' worth of context).
 */
export function decideEligibility(facts: EligibilityFacts, policy: EligibilityPolicy, now: Date): EligibilityDecision {
  const reasons: ReportedReason[] = [];
  const nowMs = now.getTime();

  // 1. Handled request type and stage.
  if (!isHandledRequest(policy.handled, facts.requestType, facts.stage)) reasons.push('UnhandledRequest');

  // 2. The requestor is the target's manager, within the configured depth.
  const managers = facts.managerChain.slice(0, policy.maxManagerDepth);
  if (!managers.some((m) => sameId(m, facts.requestorId))) reasons.push('RequestorNotManager');

  // 3. Enabled member account, not the requestor. External users are refused even when guests are allowed.
  if (sameId(facts.target.id, facts.requestorId)) reasons.push('SelfRequest');
  if (!facts.target.accountEnabled) reasons.push('TargetDisabled');
  if (facts.target.isExternal === true || (facts.target.userType === 'Guest' && !policy.allowGuests)) reasons.push('TargetGuest');

  // 4. No directory role, active or eligible; no excluded group.
  if (facts.activeRoleCount > 0) reasons.push('TargetPrivilegedRole');
  if (facts.eligibleRoleCount > 0) reasons.push('TargetEligibleRole');
  if (facts.excludedGroupMemberships.some((g) => policy.excludedGroupIds.some((x) => sameId(x, g)))) reasons.push('TargetInExcludedGroup');

  // 5. Manager not changed recently. A change time in the future (clock skew) counts as recent.
  if (facts.lastManagerChangeAt !== undefined && policy.managerChangeQuarantineHours > 0) {
    if (nowMs - facts.lastManagerChangeAt.getTime() < policy.managerChangeQuarantineHours * HOUR_MS) reasons.push('ManagerRecentlyChanged');
  }
  if (facts.managerHistoryUnavailable === true && policy.managerChangeQuarantineHours > 0) reasons.push('ChangeHistoryUnavailable');
  // The same guard for the channels a TAP would go to: none left unchanged means none to use.
  if (facts.contactsAllChangedRecently === true && policy.managerChangeQuarantineHours > 0) reasons.push('ContactsRecentlyChanged');

  // 6. Rate limits.
  if (facts.targetLastIssuedAt !== undefined && policy.targetCooldownMinutes > 0) {
    if (nowMs - facts.targetLastIssuedAt.getTime() < policy.targetCooldownMinutes * MINUTE_MS) reasons.push('TargetCooldown');
  }
  if (facts.requestorIssuedToday >= policy.requestorDailyQuota) reasons.push('RequestorQuotaExceeded');

  return reasons.length === 0 ? { allowed: true } : { allowed: false, reasons };
}
