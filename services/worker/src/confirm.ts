// Check 0 (DESIGN section 3): the call-out's word is not taken for the request itself. Before any
// eligibility check the worker reads the access-package assignment request the call-out names
// from Graph and holds the call-out to it (the domain's confirmRequest). A request Graph does not
// confirm is refused: ledger `denied` with the refusal reasons, a security audit event, a warning
// and `tap.refused{reason}`, and nothing is sent to anyone the call-out names (no TAP, no notice
// to the manager, no resume to the callback path it chose). The message completes.
import { sleep } from '@tapline/graph';
import { confirmRequest } from '@tapline/domain';
import type { RefusalReason, RequestStatus, TapRequestMessage } from '@tapline/domain';
import { LOG, info, warn } from './logs.js';
import type { Logger } from './logs.js';
import { ACTOR, AUDIT } from './ports.js';
import type { WorkerDeps } from './ports.js';
import { moveTo } from './transitions.js';

/**
 * The refusal reasons (empty: Graph confirms the request). A request Graph does not know yet is
 * read again a few times, doubling the delay, since a request Entra has just created may not be
 * readable everywhere at once; then "not found" stands. A Graph failure propagates (retryable
 * as every Graph read).
 */
export async function confirmWithGraph(deps: WorkerDeps, msg: TapRequestMessage, log: Logger): Promise<RefusalReason[]> {
  const { attempts, delayMs } = deps.settings.requestLookup;
  let facts = await deps.assignmentRequests.get(msg.requestId);
  for (let tries = 1; facts === undefined && tries < attempts; tries++) {
    const wait = delayMs * 2 ** (tries - 1);
    info(log, LOG.requestNotInGraphYet, { tries, delayMs: wait });
    await sleep(wait);
    facts = await deps.assignmentRequests.get(msg.requestId);
  }
  return confirmRequest(facts, msg, deps.settings.eligibility.servedAccessPackageIds);
}

export async function refuse(
  deps: WorkerDeps, msg: TapRequestMessage, from: RequestStatus, reasons: readonly RefusalReason[], attempt: number, log: Logger,
): Promise<'refused' | 'duplicate'> {
  if ((await moveTo(deps, msg.requestId, from, 'denied', { reasons: [...reasons], note: `refused: not confirmed by Graph (attempt ${attempt})` })) === 'moved-on') return 'duplicate';
  // Ids only: what the call-out claimed, for whoever investigates where it came from.
  await deps.ledger.appendAudit({
    requestId: msg.requestId, actor: ACTOR, action: AUDIT.refused, at: deps.now(),
    detail: { security: true, reasons: reasons.join(','), claimedRequestorId: msg.requestorId, claimedTargetId: msg.targetId, stageInstanceId: msg.stageInstanceId },
  });
  for (const reason of reasons) deps.metrics.refused(reason);
  warn(log, LOG.refused, { reasons: reasons.join(','), stageInstanceId: msg.stageInstanceId });
  return 'refused';
}
