// Every log event the notifier writes, in one place (STYLE practice 6): stable names for
// dashboards and alerts, and a single spot to check that no secret, full phone number or email
// address is ever a field. Contacts appear only as a channel, an index and a masked ending.
import type { Logger } from '@tapline/messaging';
import { eventLog } from '@tapline/observability';

export type { Logger };

export const LOG = {
  started: 'notifier.started',
  stopping: 'notifier.stopping',
  stopped: 'notifier.stopped',
  configInvalid: 'notifier.config_invalid',
  metricsListening: 'notifier.metrics_listening',
  received: 'message.received',
  deliverySettledBefore: 'delivery.already_settled',
  deliveryStale: 'delivery.stale',
  deliverySuperseded: 'delivery.superseded',
  deliveryExpired: 'delivery.expired',
  deliveryNotReady: 'delivery.not_ready',
  contactSkipped: 'delivery.contact_skipped',
  sendRejected: 'delivery.send_rejected',
  channelUnavailable: 'delivery.channel_unavailable',
  sent: 'delivery.sent',
  sentRecordedOnRedelivery: 'delivery.sent_recorded_on_redelivery',
  noDeliverableContact: 'delivery.no_deliverable_contact',
  repeatabilityWindowPassed: 'delivery.repeatability_window_passed',
  providerRetry: 'provider.retry',
  emailPollTimeout: 'provider.email_poll_timeout',
  resumeDone: 'entra.resumed',
  resumeStateRefused: 'entra.resume_state_refused',
  resumeFailed: 'entra.resume_failed',
  managerConfirmed: 'manager.confirmed',
  managerNotified: 'manager.notified',
  managerNoticeSkipped: 'manager.notice_skipped',
  managerNoticeFailed: 'manager.notice_failed',
  managerNoticeDeferred: 'manager.notice_deferred',
  denialReceived: 'denial.received',
  retryScheduled: 'notifier.retry_later',
  deadLettered: 'notifier.dead_letter',
  ledgerWriteFailed: 'ledger.write_failed',
  crashHook: 'notifier.crash_hook',
} as const;

export type LogEvent = (typeof LOG)[keyof typeof LOG];

/** `info`/`warn`/`error(log, event, fields)`, writing `{ event, ...fields }`, for these events only. */
export const { info, warn, error } = eventLog<LogEvent>();
