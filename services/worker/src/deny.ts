// A denial is a decision, not a failure (DESIGN section 3): ledger `denied` with the reason codes,
// an audit entry, `tap.denied{reason}`, and a denial outcome for the notifier (Entra resume, the
// manager's notice), then the message completes. Never a Graph write.
import { isDenialReason, isReportedReason } from '@tapline/domain';
import type { DeliveryContacts, ReportedReason, RequestStatus, TapRequestMessage } from '@tapline/domain';
import type { RequestRecord } from '@tapline/ledger';
import { LOG, info } from './logs.js';
import type { Logger } from './logs.js';
import { ACTOR, AUDIT } from './ports.js';
import type { WorkerDeps } from './ports.js';
import { publishDenial } from './publish.js';
import { moveTo } from './transitions.js';

export async function deny(
  deps: WorkerDeps, msg: TapRequestMessage, from: RequestStatus, reasons: readonly ReportedReason[], attempt: number, log: Logger,
): Promise<'denied' | 'duplicate'> {
  // The manager's contacts first: a deleted requestor fails the request (RequestorNotFound)
  // before the ledger records a decision that could never be reported.
  const managerContacts = await deps.directory.contacts(msg.requestorId, 'requestor');
  const now = deps.now();
  if ((await moveTo(deps, msg.requestId, from, 'denied', { reasons: [...reasons], note: `attempt ${attempt}` })) === 'moved-on') return 'duplicate';
  await deps.ledger.appendAudit({ requestId: msg.requestId, actor: ACTOR, action: AUDIT.denied, at: now, detail: { reasons: reasons.join(',') } });
  for (const reason of reasons) deps.metrics.denied(reason);
  info(log, LOG.denied, { reasons: reasons.join(',') });
  await publishDenialOnce(deps, msg, reasons, attempt, managerContacts);
  return 'denied';
}

/**
 * A redelivered request that is already denied: its denial may not have been published (a crash
 * between the ledger write and the send). Publish it again unless the audit trail proves it left;
 * the deterministic message id lets the broker drop a copy that did.
 */
export async function ensureDenialPublished(deps: WorkerDeps, msg: TapRequestMessage, record: RequestRecord, attempt: number, log: Logger): Promise<void> {
  const trail = await deps.ledger.listAudit({ requestId: msg.requestId });
  if (trail.some((e) => e.action === AUDIT.denialPublished)) return;
  const reasons = record.reasons.filter(isDenialReason).filter(isReportedReason);
  if (reasons.length === 0) return;
  info(log, LOG.denialRepublished, { reasons: reasons.join(',') });
  await publishDenialOnce(deps, msg, reasons, attempt, await deps.directory.contacts(msg.requestorId, 'requestor'));
}

async function publishDenialOnce(
  deps: WorkerDeps, msg: TapRequestMessage, reasons: readonly ReportedReason[], attempt: number, managerContacts: DeliveryContacts,
): Promise<void> {
  await publishDenial(deps, msg, reasons, managerContacts, attempt);
  await deps.ledger.appendAudit({ requestId: msg.requestId, actor: ACTOR, action: AUDIT.denialPublished, at: deps.now(), detail: { reasons: reasons.join(',') } });
}
