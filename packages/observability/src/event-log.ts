// Structured event logging the way the services write it: `{ event, ...fields }` with the event
// name as the message too, so a line is found by its stable name in text and in JSON alike. Each
// service keeps its own table of event names and types these functions to it.

/** The part of a logger the event functions use (pino's Logger and messaging's Logger both fit). */
export interface EventLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Ids, statuses, reason codes, counts and durations: never a secret or a contact. */
export type EventFields = Record<string, string | number | boolean | undefined>;

export interface EventLog<E extends string> {
  readonly info: (log: EventLogger, event: E, fields?: EventFields) => void;
  readonly warn: (log: EventLogger, event: E, fields?: EventFields) => void;
  readonly error: (log: EventLogger, event: E, fields?: EventFields) => void;
}

/** `info`, `warn` and `error` that accept only the service's own event names. */
export function eventLog<E extends string>(): EventLog<E> {
  return {
    info: (log, event, fields = {}) => log.info({ event, ...fields }, event),
    warn: (log, event, fields = {}) => log.warn({ event, ...fields }, event),
    error: (log, event, fields = {}) => log.error({ event, ...fields }, event),
  };
}
