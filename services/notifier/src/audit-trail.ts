// The notifier's audit events (DESIGN section 7: who, what, when, which request; no secret, no
// contact). They double as the record of which follow-up steps are done: a delivered request is
// terminal in the ledger, so "Entra resumed" and "manager told" are read back from its trail
// when a retried message arrives, and a retry never repeats a step that already happened.
import type { AuditDetail } from '@tapline/ledger';
import type { NotifierLedger } from './ports.js';

export const ACTOR = 'notifier';

export const AUDIT = {
  /** Written once per TAP just before its first send: the SMS first-sent date. */
  sending: 'delivery.sending',
  sent: 'delivery.sent',
  retryScheduled: 'delivery.retry_scheduled',
  superseded: 'delivery.superseded',
  stale: 'delivery.stale',
  expired: 'delivery.expired',
  undeliverable: 'delivery.undeliverable',
  repeatabilityWindowPassed: 'delivery.repeatability_window_passed',
  resumed: 'entra.resumed',
  resumeFailed: 'entra.resume_failed',
  managerConfirmed: 'manager.confirmed',
  managerNotified: 'manager.notified',
  managerNoticeSkipped: 'manager.notice_skipped',
  managerNoticeFailed: 'manager.notice_failed',
} as const;

export type AuditAction = (typeof AUDIT)[keyof typeof AUDIT];

/** A follow-up step counts as settled once it succeeded or failed for good. */
export const RESUME_SETTLED: readonly AuditAction[] = [AUDIT.resumed, AUDIT.resumeFailed];
export const NOTICE_SETTLED: readonly AuditAction[] = [
  AUDIT.managerConfirmed, AUDIT.managerNotified, AUDIT.managerNoticeSkipped, AUDIT.managerNoticeFailed,
];

export async function audit(ledger: NotifierLedger, requestId: string, action: AuditAction, at: Date, detail?: AuditDetail): Promise<void> {
  await ledger.appendAudit({ requestId, actor: ACTOR, action, at, ...(detail !== undefined && { detail }) });
}

export interface Trail {
  /** The notifier's actions already on this request's trail. */
  readonly done: ReadonlySet<string>;
  /** Detail of the `delivery.sent` event, when there is one. */
  readonly sent: AuditDetail | undefined;
  /** When the first send of this TAP started, if it did. */
  sendingSince(tapId: string): Date | undefined;
}

export async function readTrail(ledger: NotifierLedger, requestId: string): Promise<Trail> {
  const events = (await ledger.listAudit({ requestId })).filter((e) => e.actor === ACTOR);
  return {
    done: new Set(events.map((e) => e.action)),
    sent: events.find((e) => e.action === AUDIT.sent)?.detail,
    sendingSince(tapId) {
      const event = events.find((e) => e.action === AUDIT.sending && e.detail.tapId === tapId);
      return event === undefined ? undefined : new Date(event.at);
    },
  };
}

export function settled(done: ReadonlySet<string>, actions: readonly AuditAction[]): boolean {
  return actions.some((a) => done.has(a));
}
