import { scrubSecrets } from '@tapline/domain';
import { registeredSecrets } from './secret-registry.js';

/**
 * Makes any value safe to log: values under sensitive KEYS are replaced whatever they are; every
 * string anywhere (messages, nested fields, array items, error messages and stacks) goes through
 * the domain's shape scrubber plus the registered exact secrets. Errors become plain objects
 * (name, message, stack, code, cause...) so nothing is lost to JSON.stringify and nothing escapes
 * the scrubber. Depth, breadth and string length are bounded; cycles are cut.
 */

export const REDACTED = '[REDACTED]';

// Compared after lower-casing and removing `-` and `_`, so accessToken, access_token and
// Access-Token are one entry.
const SENSITIVE_KEYS = new Set(
  [
    'temporaryAccessPass',
    'secret',
    'tap',
    'password',
    'passwd',
    'pwd',
    'authorization',
    'proxyAuthorization',
    'accessToken',
    'refreshToken',
    'idToken',
    'token',
    'phone',
    'phoneNumber',
    'phoneNumbers',
    'mobilePhone',
    'mobilePhones',
    'businessPhones',
    'otherMails',
    'mail',
    'email',
    'emails',
    'to',
    'recipients',
    'contacts',
    'body',
    'connectionString',
    'accessKey',
    'accountKey',
    'sharedAccessKey',
    'sharedAccessSignature',
    'sas',
    'sig',
    'signature',
    'apiKey',
    'clientSecret',
    'cookie',
    'setCookie',
    'privateKey',
    'sealingKey',
    'sealedSecret',
    'sealedContacts',
    'ciphertext',
    'plaintext',
  ].map(normaliseKey),
);

// Any key ending in one of these is sensitive too (managerEmail, userPhone, graphAccessToken).
const SENSITIVE_SUFFIXES = ['password', 'secret', 'token', 'phone', 'phones', 'email', 'emails', 'connectionstring', 'accesskey', 'apikey'];

function normaliseKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  const k = normaliseKey(key);
  return SENSITIVE_KEYS.has(k) || SENSITIVE_SUFFIXES.some((s) => k.endsWith(s));
}

export const LIMITS = { depth: 8, keys: 200, items: 200, stringLength: 16 * 1024 } as const;

export function scrubString(value: string, exact: readonly string[] = registeredSecrets()): string {
  const scrubbed = scrubSecrets(value, { exact });
  return scrubbed.length <= LIMITS.stringLength ? scrubbed : `${scrubbed.slice(0, LIMITS.stringLength)}…[truncated]`;
}

/** A deep, safe copy of `value` for logging. */
export function redactForLog(value: unknown): unknown {
  return redact(value, 0, new WeakSet(), registeredSecrets());
}

/** Same, for the top-level record object pino hands to formatters. */
export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out = redact(record, 0, new WeakSet(), registeredSecrets());
  return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as Record<string, unknown>) : { value: out };
}

function redact(value: unknown, depth: number, seen: WeakSet<object>, exact: readonly string[]): unknown {
  switch (typeof value) {
    case 'string':
      return scrubString(value, exact);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'symbol':
      return value.toString();
    case 'function':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  const obj = value as object;
  if (seen.has(obj)) return '[Circular]';
  if (depth >= LIMITS.depth) return '[Truncated]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  // Raw bytes may be a secret in any encoding: never print them.
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[Binary ${String((obj as ArrayBufferLike).byteLength)} bytes]`;
  seen.add(obj);
  try {
    if (obj instanceof Error) return redactError(obj, depth, seen, exact);
    if (Array.isArray(obj)) return redactArray(obj, depth, seen, exact);
    if (obj instanceof Map) return redactEntries([...obj.entries()].map(([k, v]) => [String(k), v]), depth, seen, exact);
    if (obj instanceof Set) return redactArray([...obj], depth, seen, exact);
    return redactEntries(Object.entries(obj), depth, seen, exact);
  } finally {
    seen.delete(obj);
  }
}

function redactArray(items: readonly unknown[], depth: number, seen: WeakSet<object>, exact: readonly string[]): unknown[] {
  const out = items.slice(0, LIMITS.items).map((item) => redact(item, depth + 1, seen, exact));
  if (items.length > LIMITS.items) out.push(`[+${String(items.length - LIMITS.items)} more]`);
  return out;
}

function redactEntries(entries: ReadonlyArray<readonly [string, unknown]>, depth: number, seen: WeakSet<object>, exact: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, v] of entries) {
    if (count++ >= LIMITS.keys) {
      out['[truncated]'] = `${String(entries.length - LIMITS.keys)} more keys`;
      break;
    }
    // Keys themselves can carry data (a map keyed by phone number).
    const safeKey = scrubString(key, exact);
    // defineProperty: a key named __proto__ stays an ordinary key.
    Object.defineProperty(out, safeKey, {
      value: isSensitiveKey(key) && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1, seen, exact),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function redactError(error: Error, depth: number, seen: WeakSet<object>, exact: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name || error.constructor.name,
    message: scrubString(String(error.message), exact),
  };
  if (typeof error.stack === 'string') out['stack'] = scrubString(error.stack, exact);
  // Own enumerable fields: code, statusCode, reason, retryAfterMs, request/response details...
  const extra = redactEntries(Object.entries(error), depth, seen, exact);
  for (const [k, v] of Object.entries(extra)) if (!(k in out)) out[k] = v;
  if (error.cause !== undefined) out['cause'] = redact(error.cause, depth + 1, seen, exact);
  if (error instanceof AggregateError) out['errors'] = redactArray(error.errors as unknown[], depth, seen, exact);
  return out;
}
