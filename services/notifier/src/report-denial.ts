// A denial decided by the worker: tell Entra (deny, or resume with "not fulfilled" where the
// stage refuses a denial) and give the manager a notice with a reference id. The reason codes
// go to the log and the audit trail only; the notice text comes from the domain's categories,
// which never reveal a protected reason.
import { decodeDeliveryContacts, PermanentError, sealingAad, securityReasons, type TapDenialMessage } from '@tapline/domain';
import type { Outcome } from '@tapline/messaging';
import { NOTICE_SETTLED, readTrail, settled } from './audit-trail.js';
import { denialNoticeStep, resumeStep, type FollowUpDeps } from './follow-ups.js';
import { LOG, info, type Logger } from './logs.js';
import type { Opener } from './ports.js';

export interface DenialDeps extends FollowUpDeps {
  readonly opener: Opener;
}

/** The manager's first email address, from the contacts the worker sealed into the denial. */
function managerAddress(deps: DenialDeps, msg: TapDenialMessage): string | undefined {
  const plaintext = deps.opener.open(msg.sealedContacts, sealingAad(msg.requestId, null, 'contacts'));
  const decoded = decodeDeliveryContacts(plaintext);
  if (!decoded.ok) throw new PermanentError('SealedDataInvalid', `sealed manager contacts do not match the contract (${decoded.error.field} ${decoded.error.message})`);
  return decoded.contacts.emails[0];
}

export async function reportDenial(deps: DenialDeps, msg: TapDenialMessage, log: Logger): Promise<Outcome> {
  info(log, LOG.denialReceived, { reasons: msg.reasons.join(','), protectedReasons: securityReasons(msg.reasons).length });
  for (const reason of msg.reasons) deps.metrics.denialReported(reason);
  const { done } = await readTrail(deps.ledger, msg.requestId);
  await resumeStep(deps, log, msg.requestId, msg.callback, { kind: 'denied', referenceId: msg.referenceId }, done);
  if (deps.managerNotices && !settled(done, NOTICE_SETTLED)) {
    await denialNoticeStep(deps, log, {
      requestId: msg.requestId, referenceId: msg.referenceId, reasons: msg.reasons, address: managerAddress(deps, msg), done,
    });
  }
  return { kind: 'complete' };
}
