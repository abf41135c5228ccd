// Stable log event names of the intake (STYLE practice 6), and the narrow logger shape the
// handlers need (pino's Logger satisfies it). Bodies and tokens are never logged.

export const logEvents = {
  requestAccepted: 'intake.request.accepted',
  requestIgnored: 'intake.request.ignored',
  requestInvalid: 'intake.request.invalid',
  authRejected: 'intake.auth.rejected',
  authKeysUnavailable: 'intake.auth.keys_unavailable',
  enqueueUnavailable: 'intake.enqueue.unavailable',
  enqueueFailed: 'intake.enqueue.failed',
  handlerFailed: 'intake.handler.failed',
  queueConnected: 'intake.queue.connected',
  queueConnectFailed: 'intake.queue.connect_failed',
  hostReady: 'intake.host.ready',
  hostStopped: 'intake.host.stopped',
} as const;

export type LogEvent = (typeof logEvents)[keyof typeof logEvents];

export interface Logger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}
