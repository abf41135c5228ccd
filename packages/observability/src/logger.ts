import { pino } from 'pino';
import { redactForLog, redactRecord, scrubString } from './redact.js';
import { traceFields } from './tracing.js';

export type Logger = pino.Logger;
export type LogLevel = pino.LevelWithSilent;

export interface LoggerOptions {
  /** Service or tool name, written as `name` on every line. */
  readonly name: string;
  /** Default `info`. */
  readonly level?: LogLevel;
  /** Where JSON lines go; default stdout, written synchronously so a crash loses nothing. */
  readonly destination?: pino.DestinationStream;
}

/**
 * A pino logger writing JSON lines with redaction built in (by key and by value shape, plus the
 * exact secrets registered with `registerSecret`). Every path into the output is covered:
 * - the merging object and anything mixed in: `formatters.log`;
 * - child bindings: `formatters.bindings`;
 * - the message, including printf-style arguments and the message pino takes from an Error: the
 *   `msg` serializer, which sees the final string;
 * - errors under `err` (or anywhere): serialised to plain objects by the redactor, so pino's own
 *   error serializer is replaced by the identity.
 */
export function createLogger(options: LoggerOptions): Logger {
  const logger = pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: (bindings) => redactRecord(bindings),
        // trace_id and span_id of the active span, on every line written inside a trace. They are
        // added after the scrubber: the SDK's hex ids cannot hold a secret or a contact.
        log: (record) => withTraceFields(redactRecord(record), traceFields()),
      },
      hooks: {
        // Objects interpolated into the message (%j, %o, %O) get key-based redaction before pino
        // formats them; the finished message string is then scrubbed by the msg serializer. A plain
        // loop with no closure, since this runs on every call.
        logMethod(args, method) {
          let i = 0;
          while (i < args.length && typeof args[i] !== 'string') i++;
          for (i++; i < args.length; i++) {
            if (typeof args[i] === 'object' && args[i] !== null) args[i] = redactForLog(args[i]);
          }
          method.apply(this, args);
        },
      },
      serializers: {
        err: (err: unknown) => err,
        msg: (msg: unknown) => (typeof msg === 'string' ? scrubString(msg) : msg),
      },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  redactChildBindings(logger);
  return logger;
}

/**
 * The line's own fields, plus trace_id and span_id when a span is active. Outside a trace the
 * record passes untouched; inside, fields are copied as own properties (so a key such as
 * `__proto__` survives as data, as it does without a trace) and win over the ids.
 */
function withTraceFields(record: Record<string, unknown>, ids: { trace_id?: string; span_id?: string }): Record<string, unknown> {
  if (!('trace_id' in ids)) return record;
  if (!Object.hasOwn(record, '__proto__')) return Object.assign(ids, record);
  const merged: Record<string, unknown> = { ...ids };
  for (const [key, value] of Object.entries(record)) {
    Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return merged;
}

/*
 * pino applies `formatters.bindings` to the root only and resets it for children, so bindings are
 * redacted here instead. Children are created with Object.create(parent), so they inherit these
 * wrappers and grandchildren are covered too.
 */
function redactChildBindings(logger: Logger): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound to each instance below
  const originalChild = logger.child as unknown as (this: Logger, bindings: pino.Bindings, options?: pino.ChildLoggerOptions) => Logger;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound to each instance below
  const originalSetBindings = logger.setBindings;
  Object.defineProperty(logger, 'child', {
    value: function redactedChild(this: Logger, bindings: pino.Bindings, childOptions?: pino.ChildLoggerOptions): Logger {
      return originalChild.call(this, redactRecord(bindings), childOptions);
    },
    writable: true,
    configurable: true,
  });
  Object.defineProperty(logger, 'setBindings', {
    value: function redactedSetBindings(this: Logger, bindings: pino.Bindings): void {
      originalSetBindings.call(this, redactRecord(bindings));
    },
    writable: true,
    configurable: true,
  });
}

/** A child logger with context (messageId, requestId, deliveryCount...); bindings are redacted too. */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  return logger.child(bindings);
}
