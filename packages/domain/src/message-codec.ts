import type { z } from 'zod';
import { type FieldError, PARSE_OPTIONS, WHOLE_BODY, firstFieldError } from './field-error.js';

/**
 * Shared plumbing for the queue message contracts: every body carries `schemaVersion`, decoders
 * accept what the Service Bus SDK may hand back (a parsed object for JSON bodies, a string, or
 * bytes) and report one field error with the dead-letter reason the consumer should use.
 * Unknown fields are dropped, so a newer producer may add optional fields without a version bump;
 * anything a consumer must understand bumps `schemaVersion`.
 */
export const SCHEMA_VERSION = 1;

/** Standard-tier Service Bus messages are at most 256 KB; anything larger is not ours. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

export interface MessageDecodeError extends FieldError {
  readonly reason: 'InvalidMessage' | 'UnsupportedSchemaVersion';
}

export type MessageDecodeResult<T> = { readonly ok: true; readonly message: T } | { readonly ok: false; readonly error: MessageDecodeError };

function invalid(field: string, message: string): { ok: false; error: MessageDecodeError } {
  return { ok: false, error: { field, message, reason: 'InvalidMessage' } };
}

function toValue(body: unknown): { ok: true; value: unknown } | { ok: false; error: MessageDecodeError } {
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else if (body instanceof Uint8Array) {
    if (body.byteLength > MAX_MESSAGE_BYTES) return invalid(WHOLE_BODY, 'is too large');
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      return invalid(WHOLE_BODY, 'is not valid UTF-8');
    }
  } else {
    return { ok: true, value: body };
  }
  if (text.length > MAX_MESSAGE_BYTES) return invalid(WHOLE_BODY, 'is too large');
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return invalid(WHOLE_BODY, 'is not valid JSON');
  }
}

export function decodeMessage<S extends z.ZodType>(schema: S, body: unknown): MessageDecodeResult<z.output<S>> {
  const value = toValue(body);
  if (!value.ok) return value;
  const v = value.value;
  if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, 'schemaVersion')) {
    const version = (v as { schemaVersion?: unknown }).schemaVersion;
    if (typeof version === 'number' && Number.isInteger(version) && version > SCHEMA_VERSION) {
      return { ok: false, error: { field: 'schemaVersion', message: 'is newer than this build understands', reason: 'UnsupportedSchemaVersion' } };
    }
  }
  const parsed = schema.safeParse(v, PARSE_OPTIONS);
  if (!parsed.success) {
    const { field, message } = firstFieldError(parsed.error);
    return invalid(field, message);
  }
  return { ok: true, message: parsed.data };
}

/**
 * Encoding an invalid message is a producer bug: throw (never dead-letter our own output) with the
 * field name only.
 */
export function encodeMessage<S extends z.ZodType>(schema: S, message: z.input<S>, name: string): string {
  const parsed = schema.safeParse(message, PARSE_OPTIONS);
  if (!parsed.success) {
    const { field, message: why } = firstFieldError(parsed.error);
    throw new TypeError(`refusing to encode an invalid ${name}: ${field} ${why}`);
  }
  return JSON.stringify(parsed.data);
}
