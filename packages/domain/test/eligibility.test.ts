import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ELIGIBILITY_POLICY,
  DENIAL_REASON_NAMES,
  DENIAL_REASONS,
  REPORTED_REASON_NAMES,
  type ReportedReason,
  type EligibilityFacts,
  type EligibilityPolicy,
  decideEligibility,
  eligibilityPolicySchema,
  isHandledRequest,
  isReportedReason,
  managerNotice,
  protectedReason,
  reasonSpec,
  referenceIdFor,
  requestIdPrefixOf,
  securityReasons,
} from '../src/index.js';
import { IDS, eligibleFacts } from './builders.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');
const HOUR = 3_600_000;
const policy = DEFAULT_ELIGIBILITY_POLICY;

function deny(facts: EligibilityFacts, p: EligibilityPolicy = policy): readonly ReportedReason[] {
  const decision = decideEligibility(facts, p, NOW);
  return decision.allowed ? [] : decision.reasons;
}

describe('decideEligibility', () => {
  it('allows a manager asking for their direct report', () => {
    expect(decideEligibility(eligibleFacts(), policy, NOW)).toEqual({ allowed: true });
  });

  // One case per reported reason: a new reason in the table fails to compile until it has one.
  const SINGLE: Record<ReportedReason, Partial<EligibilityFacts>> = {
    UnhandledRequest: { requestType: 'userAdd' },
    RequestorNotManager: { managerChain: [IDS.skipLevel] },
    SelfRequest: { requestorId: IDS.report, managerChain: [IDS.report] },
    TargetDisabled: { target: { ...eligibleFacts().target, accountEnabled: false } },
    TargetGuest: { target: { ...eligibleFacts().target, userType: 'Guest' } },
    TargetPrivilegedRole: { activeRoleCount: 1 },
    TargetEligibleRole: { eligibleRoleCount: 2 },
    TargetInExcludedGroup: { excludedGroupMemberships: [IDS.excludedGroup] },
    ManagerRecentlyChanged: { lastManagerChangeAt: new Date(NOW.getTime() - 23 * HOUR) },
    ChangeHistoryUnavailable: { managerHistoryUnavailable: true },
    ContactsRecentlyChanged: { contactsAllChangedRecently: true },
    TargetCooldown: { targetLastIssuedAt: new Date(NOW.getTime() - 59 * 60_000) },
    RequestorQuotaExceeded: { requestorIssuedToday: 5 },
  };
  const single = Object.entries(SINGLE) as [ReportedReason, Partial<EligibilityFacts>][];
  const withExcludedGroup = eligibilityPolicySchema.parse({ excludedGroupIds: [IDS.excludedGroup] });

  it.each(single)('denies with %s alone', (reason, overrides) => {
    expect(deny(eligibleFacts(overrides), withExcludedGroup)).toEqual([reason]);
  });

  it('covers every reported reason', () => {
    expect(single.map(([r]) => r).sort()).toEqual([...REPORTED_REASON_NAMES].sort());
  });

  it('refuses a skip-level manager at depth 1 and allows them at depth 2', () => {
    const skip = eligibleFacts({ requestorId: IDS.skipLevel });
    expect(deny(skip)).toEqual(['RequestorNotManager']);
    expect(deny(skip, { ...policy, maxManagerDepth: 2 })).toEqual([]);
    expect(deny(eligibleFacts({ managerChain: [] }))).toEqual(['RequestorNotManager']);
  });

  it('allows internal guests only when configured, and external users never', () => {
    const guest = eligibleFacts({ target: { ...eligibleFacts().target, userType: 'Guest' } });
    expect(deny(guest, { ...policy, allowGuests: true })).toEqual([]);
    const external = eligibleFacts({ target: { ...eligibleFacts().target, userType: 'Guest', isExternal: true } });
    expect(deny(external, { ...policy, allowGuests: true })).toEqual(['TargetGuest']);
    const externalMember = eligibleFacts({ target: { ...eligibleFacts().target, isExternal: true } });
    expect(deny(externalMember)).toEqual(['TargetGuest']);
  });

  it('ignores groups that are not excluded', () => {
    expect(deny(eligibleFacts({ excludedGroupMemberships: [IDS.excludedGroup] }))).toEqual([]);
  });

  it('compares ids without regard to case', () => {
    const upper = eligibleFacts({ requestorId: IDS.manager.toUpperCase(), excludedGroupMemberships: [IDS.excludedGroup.toUpperCase()] });
    expect(deny(upper, withExcludedGroup)).toEqual(['TargetInExcludedGroup']);
  });

  it('applies the quarantine, cooldown and quota at their boundaries', () => {
    expect(deny(eligibleFacts({ lastManagerChangeAt: new Date(NOW.getTime() - 24 * HOUR) }))).toEqual([]);
    expect(deny(eligibleFacts({ lastManagerChangeAt: new Date(NOW.getTime() + HOUR) }))).toEqual(['ManagerRecentlyChanged']);
    expect(deny(eligibleFacts({ lastManagerChangeAt: new Date(NOW.getTime() - HOUR) }), { ...policy, managerChangeQuarantineHours: 0 })).toEqual([]);
    expect(deny(eligibleFacts({ targetLastIssuedAt: new Date(NOW.getTime() - 60 * 60_000) }))).toEqual([]);
    expect(deny(eligibleFacts({ targetLastIssuedAt: new Date(NOW.getTime() - 1) }), { ...policy, targetCooldownMinutes: 0 })).toEqual([]);
    expect(deny(eligibleFacts({ requestorIssuedToday: 4 }))).toEqual([]);
    expect(deny(eligibleFacts({ requestorIssuedToday: 9 }), { ...policy, requestorDailyQuota: 10 })).toEqual([]);
  });

  it('reports every failing check, in the design order', () => {
    const everything = eligibleFacts({
      requestType: 'adminAdd',
      requestorId: IDS.report,
      target: { id: IDS.report, accountEnabled: false, userType: 'Guest', isExternal: true },
      managerChain: [],
      activeRoleCount: 3,
      eligibleRoleCount: 1,
      excludedGroupMemberships: [IDS.excludedGroup],
      lastManagerChangeAt: NOW,
      managerHistoryUnavailable: true,
      contactsAllChangedRecently: true,
      targetLastIssuedAt: NOW,
      requestorIssuedToday: 99,
    });
    expect(deny(everything, withExcludedGroup)).toEqual(REPORTED_REASON_NAMES);
  });

  it('handles onBehalfAdd at approved or granted by default', () => {
    expect(isHandledRequest(policy.handled, 'onBehalfAdd', 'assignmentRequestApproved')).toBe(true);
    expect(isHandledRequest(policy.handled, 'onBehalfAdd', 'assignmentRequestGranted')).toBe(true);
    expect(isHandledRequest(policy.handled, 'onBehalfAdd', 'assignmentRequestCreated')).toBe(false);
    expect(isHandledRequest(policy.handled, 'unknownFutureValue', 'assignmentRequestApproved')).toBe(false);
  });

  it('has the documented defaults and validates a configured policy', () => {
    expect(DEFAULT_ELIGIBILITY_POLICY).toMatchObject({
      maxManagerDepth: 1,
      allowGuests: false,
      excludedGroupIds: [],
      managerChangeQuarantineHours: 24,
      targetCooldownMinutes: 60,
      requestorDailyQuota: 5,
    });
    expect(eligibilityPolicySchema.safeParse({ maxManagerDepth: 0 }).success).toBe(false);
    expect(eligibilityPolicySchema.safeParse({ excludedGroupIds: ['tier0'] }).success).toBe(false);
    expect(eligibilityPolicySchema.parse({ excludedGroupIds: [IDS.excludedGroup.toUpperCase()] }).excludedGroupIds).toEqual([IDS.excludedGroup]);
  });
});

describe('manager notice', () => {
  const PROTECTED: ReportedReason[] = ['TargetPrivilegedRole', 'TargetEligibleRole', 'TargetInExcludedGroup', 'ManagerRecentlyChanged', 'ContactsRecentlyChanged', 'TargetDisabled'];

  it('marks admin roles, excluded groups, manager and contact changes and disabled accounts as protected', () => {
    expect(DENIAL_REASON_NAMES.filter(protectedReason).sort()).toEqual([...PROTECTED].sort());
    expect(securityReasons(['TargetCooldown', 'TargetPrivilegedRole'])).toEqual(['TargetPrivilegedRole']);
  });

  it.each(PROTECTED)('shows only the generic notice for %s, even combined with other reasons', (reason) => {
    for (const reasons of [[reason], [reason, 'TargetCooldown'], ['RequestorQuotaExceeded', reason], [reason, 'RequestorNotManager']] as ReportedReason[][]) {
      const notice = managerNotice(reasons, 'TL-0E60F18C');
      expect(notice.category).toBe('notEligible');
      expect(notice.text).toContain('TL-0E60F18C');
      expect(notice.text).not.toMatch(/role|admin|group|manager changed|disabled|PIM/i);
    }
  });

  it('reads each reason\'s handling from its one table entry', () => {
    for (const reason of DENIAL_REASON_NAMES) {
      const spec = reasonSpec(reason);
      expect(spec).toBe(DENIAL_REASONS[reason]);
      expect(spec.description.length).toBeGreaterThan(10);
      // A refusal is a security event and never reaches a manager; a protected denial reads "not eligible".
      if (!isReportedReason(reason)) expect(securityReasons([reason])).toEqual([reason]);
      else if (protectedReason(reason)) expect(managerNotice([reason], 'TL-1').category).toBe('notEligible');
    }
  });

  it('names the unprotected reasons in plain words', () => {
    expect(managerNotice(['RequestorNotManager'], 'TL-1').category).toBe('notManager');
    expect(managerNotice(['SelfRequest'], 'TL-1').category).toBe('selfRequest');
    expect(managerNotice(['UnhandledRequest'], 'TL-1').category).toBe('notHandled');
    expect(managerNotice(['TargetCooldown', 'RequestorQuotaExceeded'], 'TL-1').category).toBe('tryLater');
    expect(managerNotice(['TargetCooldown', 'RequestorNotManager'], 'TL-1').category).toBe('notManager');
    expect(managerNotice(['TargetGuest'], 'TL-1').category).toBe('notEligible');
  });

  it('derives a short reference id from the request id and back', () => {
    expect(referenceIdFor(IDS.request)).toBe('TL-0E60F18C');
    expect(requestIdPrefixOf('TL-0E60F18C')).toBe('0e60f18c');
    expect(requestIdPrefixOf('0E60F18C')).toBeUndefined();
    expect(() => referenceIdFor('bob')).toThrow(RangeError);
  });
});
