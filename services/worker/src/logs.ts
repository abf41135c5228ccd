// Every log event the worker writes, in one place (STYLE practice 6): stable names for dashboards
// and alerts, and one spot to check that no field is ever a secret or a contact. Fields are ids,
// statuses, reason codes, counts and durations only; message bodies are never logged.
import type { Logger } from '@tapline/messaging';
import { eventLog } from '@tapline/observability';

export type { Logger };

export const LOG = {
  started: 'worker.started',
  stopping: 'worker.stopping',
  stopped: 'worker.stopped',
  configInvalid: 'worker.config_invalid',
  startFailed: 'worker.start_failed',
  metricsListening: 'worker.metrics_listening',
  invalidMessage: 'request.invalid',
  received: 'request.received',
  duplicate: 'request.duplicate',
  replayed: 'request.replayed',
  requestNotInGraphYet: 'request.not_in_graph_yet',
  /** A call-out Graph does not confirm (check 0): a security event. */
  refused: 'security.request_refused',
  decided: 'request.decided',
  denied: 'request.denied',
  denialRepublished: 'request.denial_republished',
  targetBusy: 'request.target_busy',
  reissuing: 'request.reissuing',
  tapCreated: 'tap.created',
  tapRecorded: 'tap.recorded',
  deliveryPublished: 'delivery.published',
  issued: 'request.issued',
  inProcessRetry: 'request.retry_in_process',
  retryLater: 'request.retry_later',
  deadLettered: 'request.dead_lettered',
  abandoned: 'request.abandoned',
  ledgerWriteFailed: 'ledger.write_failed',
  crashHook: 'worker.crash_hook',
  watchLeaseTaken: 'watch.lease_taken',
  watchLeaseLost: 'watch.lease_lost',
  watchRound: 'watch.round',
  watchResync: 'watch.resync',
  watchRoundFailed: 'watch.round_failed',
  watchTickFailed: 'watch.tick_failed',
  waiting: 'request.waiting',
} as const;

export type LogEvent = (typeof LOG)[keyof typeof LOG];

/** `info`/`warn`/`error(log, event, fields)`, writing `{ event, ...fields }`, for these events only. */
export const { info, warn, error } = eventLog<LogEvent>();
