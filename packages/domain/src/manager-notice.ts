import { MANAGER_NOTICE_CATEGORIES, noticeCategoryOf } from './reasons.js';
import type { ManagerNoticeCategory, ReportedReason } from './reasons.js';
import { isGuid } from './guid.js';

/**
 * What the requesting manager may learn about a denial. Protected reasons (an admin role, an
 * excluded group, a recent manager change, a disabled account) go to the security team; the
 * manager only ever sees a category whose wording reveals none of them, plus a reference id the
 * service desk can look up.
 */

// MANAGER_NOTICE_CATEGORIES runs from most to least specific. `tryLater` comes last: telling the
// manager "try later" when the target is also ineligible would imply that the target is otherwise
// eligible.
const PRIORITY = MANAGER_NOTICE_CATEGORIES;

const TEXT: Record<ManagerNoticeCategory, string> = {
  notEligible: 'This user is not eligible for a Temporary Access Pass through self-service. Contact the service desk and quote reference {ref}.',
  notManager: 'You can request a Temporary Access Pass only for your own direct reports. Reference {ref}.',
  selfRequest: 'You cannot request a Temporary Access Pass for yourself. Contact the service desk and quote reference {ref}.',
  notHandled: 'This kind of request is not handled by Temporary Access Pass self-service. Reference {ref}.',
  tryLater: 'A Temporary Access Pass cannot be issued for this user right now. Try again later, or contact the service desk and quote reference {ref}.',
};

export interface ManagerNotice {
  readonly category: ManagerNoticeCategory;
  readonly referenceId: string;
  readonly text: string;
}

/** Any protected reason forces `notEligible`, whatever else was found, so the mix leaks nothing. */
export function managerNotice(reasons: readonly ReportedReason[], referenceId: string): ManagerNotice {
  const categories = new Set(reasons.map(noticeCategoryOf));
  const category = PRIORITY.find((c) => categories.has(c)) ?? 'notEligible';
  return { category, referenceId, text: TEXT[category].replace('{ref}', referenceId) };
}

/**
 * Reference id for humans: `TL-` and the request id's first 8 hex digits, upper case
 * (`TL-0E60F18C`). Short enough to read over the phone; the service desk finds the request with
 * `tapctl status` by prefix. 32 bits collide rarely, and a collision only means the desk sees two
 * candidates.
 */
export function referenceIdFor(requestId: string): string {
  if (!isGuid(requestId)) throw new RangeError('referenceIdFor needs a GUID request id');
  return `TL-${requestId.slice(0, 8).toUpperCase()}`;
}

/** The lower-case request-id prefix a reference id stands for, or undefined if it is not one. */
export function requestIdPrefixOf(referenceId: string): string | undefined {
  const m = /^TL-([0-9A-Fa-f]{8})$/.exec(referenceId.trim());
  return m?.[1]?.toLowerCase();
}
