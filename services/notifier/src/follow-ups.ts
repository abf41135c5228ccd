// The steps after the TAP went out (or was refused): Entra's resume and the manager's notice.
// Each runs only if the request's audit trail does not show it settled, records its own result,
// and lets a RetryableError escape so the whole message is retried later; since the request is
// already recorded as delivered by then, that retry repeats only the unfinished steps and never
// the TAP send (DESIGN section 4).
import { RetryableError, managerNotice, referenceIdFor, type CallbackRef, type ReportedReason } from '@tapline/domain';
import { AUDIT, NOTICE_SETTLED, RESUME_SETTLED, audit, settled } from './audit-trail.js';
import type { Channel } from './channel-plan.js';
import { resumeEntra, type ResumeIntent } from './entra-resume.js';
import { emailOperationId } from './idempotency-keys.js';
import { LOG, info, warn, type Logger } from './logs.js';
import type { NotifierMetrics } from './metrics.js';
import type { EmailSender, EntraCallback, ManagerDirectory, NotifierLedger } from './ports.js';
import { confirmationEmail, denialNoticeEmail, type EmailContent } from './templates.js';

type NoticeKind = 'confirmation' | 'denial';

export interface FollowUpDeps {
  readonly ledger: NotifierLedger;
  readonly entra: EntraCallback;
  readonly email: EmailSender;
  /** Absent when nothing can tell the notifier the manager's address. */
  readonly managers: ManagerDirectory | undefined;
  readonly now: () => Date;
  /** Manager confirmations and denial notices on or off. */
  readonly managerNotices: boolean;
  /** How long an email sent now would wait for the email channel's rate gate. */
  readonly emailBacklogMs: () => number;
  /**
   * A notice that would wait longer than this for the email gate is deferred (a delayed retry of
   * the message, which only repeats the unfinished follow-ups): a handler must not sit on a TAP
   * pipeline slot for a confirmation while SMS capacity goes unused (ACS email allows 30/min,
   * SMS 200/min).
   */
  readonly noticeMaxWaitMs: number;
  /** False on the last attempt the retry budget allows: then a busy channel means giving up. */
  readonly canDeferNotice: boolean;
  readonly metrics: NotifierMetrics;
}

/** Throws a RetryableError (the deferral) when the email channel is busy; 'give-up' on the last attempt. */
function emailChannelFree(deps: FollowUpDeps, log: Logger, kind: NoticeKind): 'go' | 'give-up' {
  const backlog = deps.emailBacklogMs();
  if (backlog <= deps.noticeMaxWaitMs) return 'go';
  if (!deps.canDeferNotice) return 'give-up';
  deps.metrics.managerNotice(kind, 'deferred');
  info(log, LOG.managerNoticeDeferred, { backlogMs: Math.round(backlog) });
  throw new RetryableError(`manager notice deferred: the email channel is busy for ${Math.round(backlog)} ms`, { retryAfterMs: backlog });
}

/** The last attempt found the email channel busy: the notice is settled as failed. */
async function giveUpBusy(
  deps: FollowUpDeps, log: Logger, requestId: string, kind: NoticeKind, detail?: Readonly<Record<string, string>>,
): Promise<void> {
  deps.metrics.managerNotice(kind, 'failed');
  await audit(deps.ledger, requestId, AUDIT.managerNoticeFailed, deps.now(), { ...detail, code: 'email-busy' });
  warn(log, LOG.managerNoticeFailed, { code: 'email-busy' });
}

export async function resumeStep(
  deps: FollowUpDeps, log: Logger, requestId: string, callback: CallbackRef | undefined, intent: ResumeIntent, done: ReadonlySet<string>,
): Promise<void> {
  if (callback === undefined || settled(done, RESUME_SETTLED)) return;
  const outcome = await resumeEntra(deps.entra, callback, intent);
  deps.metrics.resumed(!outcome.ok ? 'failed' : outcome.fellBack ? 'fell-back' : outcome.state);
  if (outcome.ok) {
    await audit(deps.ledger, requestId, AUDIT.resumed, deps.now(), { intent: intent.kind, state: outcome.state, fellBack: outcome.fellBack });
    if (outcome.fellBack) warn(log, LOG.resumeStateRefused, { intent: intent.kind });
    info(log, LOG.resumeDone, { intent: intent.kind, state: outcome.state, fellBack: outcome.fellBack });
  } else {
    // Graph refused for good (the request no longer waits, or a permission is missing): the
    // TAP outcome stands; the trail and the alert on this event tell on-call.
    await audit(deps.ledger, requestId, AUDIT.resumeFailed, deps.now(), { intent: intent.kind, status: outcome.status, code: outcome.code });
    warn(log, LOG.resumeFailed, { intent: intent.kind, status: outcome.status, code: outcome.code });
  }
}

interface NoticeArgs {
  readonly requestId: string;
  readonly done: ReadonlySet<string>;
  /** Where to send it; undefined when no address is known. */
  readonly address: string | undefined;
  readonly operationKey: { readonly tapId: string; readonly purpose: 'confirmation' | 'denial-notice' };
  readonly content: EmailContent;
  readonly success: typeof AUDIT.managerConfirmed | typeof AUDIT.managerNotified;
  readonly kind: NoticeKind;
  /** Extra audit detail for every outcome (codes only, never a contact). */
  readonly detail?: Readonly<Record<string, string>>;
}

async function sendNotice(deps: FollowUpDeps, log: Logger, args: NoticeArgs): Promise<void> {
  if (!deps.managerNotices || settled(args.done, NOTICE_SETTLED)) return;
  if (emailChannelFree(deps, log, args.kind) === 'give-up') return giveUpBusy(deps, log, args.requestId, args.kind, args.detail);
  if (args.address === undefined) {
    deps.metrics.managerNotice(args.kind, 'skipped');
    await audit(deps.ledger, args.requestId, AUDIT.managerNoticeSkipped, deps.now(), { ...args.detail, why: 'no-contact' });
    info(log, LOG.managerNoticeSkipped, { why: 'no-contact' });
    return;
  }
  const operationId = emailOperationId({ requestId: args.requestId, ...args.operationKey }, args.address);
  const result = await deps.email.send({ to: args.address, content: args.content, operationId, awaitFinalStatus: false });
  deps.metrics.managerNotice(args.kind, result.status === 'accepted' ? 'sent' : 'failed');
  if (result.status === 'accepted') {
    await audit(deps.ledger, args.requestId, args.success, deps.now(), { ...args.detail, channel: 'email' });
    info(log, args.success === AUDIT.managerConfirmed ? LOG.managerConfirmed : LOG.managerNotified);
  } else {
    await audit(deps.ledger, args.requestId, AUDIT.managerNoticeFailed, deps.now(), { ...args.detail, code: result.code });
    warn(log, LOG.managerNoticeFailed, { code: result.code });
  }
}

export async function confirmationStep(
  deps: FollowUpDeps,
  log: Logger,
  args: {
    readonly requestId: string; readonly requestorId: string; readonly tapId: string; readonly channel: Channel;
    readonly maskedContact: string; readonly expiresAt: Date; readonly done: ReadonlySet<string>;
  },
): Promise<void> {
  if (!deps.managerNotices || settled(args.done, NOTICE_SETTLED)) return;
  // Before the directory lookup, so a deferred notice costs no Graph call.
  if (emailChannelFree(deps, log, 'confirmation') === 'give-up') return giveUpBusy(deps, log, args.requestId, 'confirmation');
  const address = deps.managers === undefined ? undefined : await deps.managers.emailOf(args.requestorId);
  await sendNotice(deps, log, {
    requestId: args.requestId,
    done: args.done,
    address,
    operationKey: { tapId: args.tapId, purpose: 'confirmation' },
    content: confirmationEmail({ referenceId: referenceIdFor(args.requestId), channel: args.channel, maskedContact: args.maskedContact, expiresAt: args.expiresAt }),
    success: AUDIT.managerConfirmed,
    kind: 'confirmation',
  });
}

export async function denialNoticeStep(
  deps: FollowUpDeps,
  log: Logger,
  args: {
    readonly requestId: string; readonly referenceId: string; readonly reasons: readonly ReportedReason[];
    readonly address: string | undefined; readonly done: ReadonlySet<string>;
  },
): Promise<void> {
  // The domain picks the category and wording: a protected reason always reads "not eligible".
  const notice = managerNotice(args.reasons, args.referenceId);
  await sendNotice(deps, log, {
    requestId: args.requestId,
    done: args.done,
    address: args.address,
    operationKey: { tapId: args.referenceId, purpose: 'denial-notice' },
    content: denialNoticeEmail({ referenceId: args.referenceId, text: notice.text }),
    success: AUDIT.managerNotified,
    kind: 'denial',
    // The precise reasons stay in the audit trail; the manager saw only the category.
    detail: { category: notice.category, reasons: args.reasons.join(',') },
  });
}
