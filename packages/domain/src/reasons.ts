/**
 * Every reason a request ends without a TAP, one entry each. An entry decides everything that
 * depends on the reason, so adding one is one entry here plus the check that finds it:
 * - `kind: 'denial'`: a decision about an eligible-looking request, reported to Entra (resume) and
 *   to the requesting manager (a notice with a reference id);
 * - `kind: 'refusal'`: the request itself is not confirmed by Graph, so nothing is sent to anyone
 *   the payload names (no TAP, no notice, no resume); always a security event.
 * A denial names what the manager's notice says (`category`) and whether the reason is
 * `protected`: a protected reason goes to the security team and the manager only ever reads
 * "not eligible" (the type allows no other category for it). Missing a field is a compile error.
 *
 * Reason codes are stable identifiers (ledger rows, metrics labels, dashboards): add, never rename.
 * Reasons that fail a message instead (a deleted target, a missing Graph permission) are
 * dead-letter reasons, in dead-letter.ts.
 */

/** What the manager's notice says, from most to least specific (see manager-notice.ts). */
export const MANAGER_NOTICE_CATEGORIES = ['notEligible', 'notManager', 'selfRequest', 'notHandled', 'tryLater'] as const;
export type ManagerNoticeCategory = (typeof MANAGER_NOTICE_CATEGORIES)[number];

export type ReasonSpec =
  | { readonly kind: 'denial'; readonly protected: false; readonly category: ManagerNoticeCategory; readonly description: string }
  | { readonly kind: 'denial'; readonly protected: true; readonly category: 'notEligible'; readonly description: string }
  | { readonly kind: 'refusal'; readonly description: string };

export const DENIAL_REASONS = {
  // Check 0: the request as Graph knows it (request-confirmation.ts). Refusals: nobody hears.
  RequestNotFound: {
    kind: 'refusal',
    description: 'Graph has no access-package assignment request with the call-out\'s id (after a short retry for replication).',
  },
  RequestorMismatch: {
    kind: 'refusal',
    description: 'The assignment request\'s requestor in Graph is not the call-out\'s requestor.',
  },
  TargetMismatch: {
    kind: 'refusal',
    description: 'The assignment request\'s target in Graph is not the call-out\'s target.',
  },
  AccessPackageNotServed: {
    kind: 'refusal',
    description: 'The assignment request is for an access package this deployment does not serve (WORKER_SERVED_ACCESS_PACKAGE_IDS).',
  },
  RequestStateMismatch: {
    kind: 'refusal',
    description: 'The assignment request\'s state in Graph does not fit the call-out\'s stage (denied, canceled, failed, or not at that stage yet).',
  },
  UnknownStageInstance: {
    kind: 'refusal',
    description: 'The call-out\'s stage instance id is not one of the assignment request\'s custom-extension call-outs in Graph.',
  },
  // Checks 1 to 6 (eligibility.ts). Denials: reported to Entra and the manager.
  UnhandledRequest: {
    kind: 'denial', protected: false, category: 'notHandled',
    description: 'The request type or stage is not one this deployment handles.',
  },
  RequestorNotManager: {
    kind: 'denial', protected: false, category: 'notManager',
    description: 'The requestor is not the target\'s manager within the configured depth (a skip-level manager is refused at depth 1).',
  },
  SelfRequest: {
    kind: 'denial', protected: false, category: 'selfRequest',
    description: 'The requestor asked for a TAP for themselves.',
  },
  TargetDisabled: {
    // A disabled account can be an HR action in progress: not the manager's business.
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'The target account is disabled.',
  },
  TargetGuest: {
    kind: 'denial', protected: false, category: 'notEligible',
    description: 'The target is a guest (refused by default) or an external user (a TAP cannot be added to one).',
  },
  TargetPrivilegedRole: {
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'The target holds an active directory role, directly or through a group.',
  },
  TargetEligibleRole: {
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'The target is eligible for a directory role through PIM.',
  },
  TargetInExcludedGroup: {
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'The target is a member of a group excluded from self-service (for example Tier 0).',
  },
  ManagerRecentlyChanged: {
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'The target\'s manager changed within the quarantine period (the escalation path).',
  },
  ChangeHistoryUnavailable: {
    // Neither source of check 5 can be read for good (Graph 403, a watch that cannot run): never a pass.
    kind: 'denial', protected: false, category: 'tryLater',
    description: 'Neither the directory watch nor the audit log can show whether the target\'s manager or contacts changed within the quarantine.',
  },
  ContactsRecentlyChanged: {
    // Someone may be redirecting the TAP: the security team's business.
    kind: 'denial', protected: true, category: 'notEligible',
    description: 'Every delivery channel of the target (mail, SMS-capable phone) changed within the quarantine period: none is left to send to.',
  },
  TargetCooldown: {
    kind: 'denial', protected: false, category: 'tryLater',
    description: 'A TAP was issued to the target within the cooldown period.',
  },
  RequestorQuotaExceeded: {
    kind: 'denial', protected: false, category: 'tryLater',
    description: 'The requestor reached their daily quota.',
  },
} as const satisfies Record<string, ReasonSpec>;

export type DenialReason = keyof typeof DENIAL_REASONS;
/** In table order, which is DESIGN section 3's order (denials are reported in it). */
export const DENIAL_REASON_NAMES = Object.keys(DENIAL_REASONS) as DenialReason[];

/** The reasons reported to Entra and the manager. */
export type ReportedReason = { [R in DenialReason]: (typeof DENIAL_REASONS)[R]['kind'] extends 'denial' ? R : never }[DenialReason];
/** The reasons that mean the request itself is untrusted: reported to nobody it names. */
export type RefusalReason = Exclude<DenialReason, ReportedReason>;

/** The entry, as the general shape (so code reads every field whatever the table holds today). */
export function reasonSpec(reason: DenialReason): ReasonSpec {
  return DENIAL_REASONS[reason];
}

export const REPORTED_REASON_NAMES = DENIAL_REASON_NAMES.filter((r): r is ReportedReason => reasonSpec(r).kind === 'denial');
export const REFUSAL_REASON_NAMES = DENIAL_REASON_NAMES.filter((r): r is RefusalReason => reasonSpec(r).kind === 'refusal');

export function isDenialReason(value: unknown): value is DenialReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DENIAL_REASONS, value);
}

export function isReportedReason(reason: DenialReason): reason is ReportedReason {
  return reasonSpec(reason).kind === 'denial';
}

/** Kept from the manager (who reads only "not eligible"); raised to the security team. */
export function protectedReason(reason: DenialReason): boolean {
  const spec = reasonSpec(reason);
  return spec.kind === 'denial' && spec.protected;
}

/** A security event: a protected denial, or any refusal. */
export function securityReason(reason: DenialReason): boolean {
  return reasonSpec(reason).kind === 'refusal' || protectedReason(reason);
}

/** The reasons to raise to the security team (and keep away from the manager). */
export function securityReasons(reasons: readonly DenialReason[]): DenialReason[] {
  return reasons.filter(securityReason);
}

/** What the manager's notice says about one reported reason. */
export function noticeCategoryOf(reason: ReportedReason): ManagerNoticeCategory {
  const spec = reasonSpec(reason);
  // Unreachable for a ReportedReason; a refusal is never shown, and "not eligible" reveals nothing.
  return spec.kind === 'denial' ? spec.category : 'notEligible';
}
