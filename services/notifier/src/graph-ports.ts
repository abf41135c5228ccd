// The notifier's two Graph-backed ports, on @tapline/graph's adapters (which own the transport,
// the token, the shared throttle gate and the one translateGraphError).
import { isPermanent, isRetryable } from '@tapline/domain';
import type { Directory, EntitlementManagement } from '@tapline/graph';
import type { EntraCallback, ManagerDirectory, ResumeResult } from './ports.js';

/** Entra's `source` for every resume: audited by Entra as the caller. */
export const RESUME_SOURCE = 'tapline-notifier';

const ASSIGNMENT_REQUEST_IN_PATH = /\/(?:assignmentRequests|accessPackageAssignmentRequests)\/([^/]+)\/resume$/i;

/** The assignment request id the callback path names (the path is Entra's, from the call-out). */
export function assignmentRequestIdOf(callbackPath: string): string | undefined {
  const id = ASSIGNMENT_REQUEST_IN_PATH.exec(callbackPath)?.[1];
  return id === undefined ? undefined : decodeURIComponent(id);
}

/** The HTTP status behind a non-retryable Graph failure, when there is one. */
function refusal(err: unknown): { status: number; code: string } | undefined {
  if (isPermanent(err) && err.reason === 'GraphForbidden') return { status: 403, code: 'GraphForbidden' };
  const cause = (err as { cause?: { statusCode?: unknown; code?: unknown } } | null)?.cause;
  if (typeof cause?.statusCode === 'number' && cause.statusCode >= 400 && cause.statusCode < 500) {
    return { status: cause.statusCode, code: typeof cause.code === 'string' ? cause.code : `http-${cause.statusCode}` };
  }
  return undefined;
}

export function entraCallbackOn(entitlement: EntitlementManagement): EntraCallback {
  return {
    async resume(call): Promise<ResumeResult> {
      const id = assignmentRequestIdOf(call.callbackPath);
      if (id === undefined) return { ok: false, status: 400, code: 'UnrecognisedCallbackPath' };
      try {
        await entitlement.resume(id, {
          stage: call.stage,
          stageInstanceId: call.stageInstanceId,
          source: RESUME_SOURCE,
          detail: call.detail,
          ...(call.state !== undefined && { state: call.state }),
        });
        return { ok: true };
      } catch (err) {
        if (isRetryable(err)) throw err;
        const refused = refusal(err);
        if (refused !== undefined) return { ok: false, ...refused };
        throw err;
      }
    },
  };
}

/**
 * The manager's mail attribute (needs User.Read.All). Undefined when the user or the mail is gone,
 * or Graph refuses for good (403): the TAP is delivered by then, so the notice is skipped (and
 * audited as such) rather than the delivery dead-lettered. Retryable failures propagate.
 */
export function managerDirectoryOn(directory: Pick<Directory, 'getUser'>): ManagerDirectory {
  return {
    async emailOf(userId) {
      try {
        return (await directory.getUser(userId, 'requestor')).mail ?? undefined;
      } catch (err) {
        if (isPermanent(err)) return undefined;
        throw err;
      }
    },
  };
}
