import { scrubSecrets } from '@tapline/domain';
import { type RegisteredSecrets, registeredScrubOptions } from './secret-registry.js';

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

/** Scrubs one string: shapes plus `exact` (by default the registered secrets), capped in length. */
export function scrubString(value: string, exact?: readonly string[]): string {
  return scrubWith(value, exact === undefined ? registeredScrubOptions() : { exact });
}

// The walk takes the registry's options object as it is (one per registry state), so it builds none
// per string and keeps none alive once the registry has dropped it.
function scrubWith(value: string, secrets: RegisteredSecrets): string {
  const scrubbed = scrubSecrets(value, secrets);
  return scrubbed.length <= LIMITS.stringLength ? scrubbed : `${scrubbed.slice(0, LIMITS.stringLength)}…[truncated]`;
}

/** A deep, safe copy of `value` for logging. */
export function redactForLog(value: unknown): unknown {
  return redact(value, 0, undefined, registeredScrubOptions());
}

/** Same, for the top-level record object pino hands to formatters. */
export function redactRecord(record: Record<string, unknown>): Record<string, unknown> {
  const out = redact(record, 0, undefined, registeredScrubOptions());
  return typeof out === 'object' && out !== null && !Array.isArray(out) ? (out as Record<string, unknown>) : { value: out };
}

/*
 * Every log line runs this walk, so it avoids per-line work that does not depend on the line:
 * - `path` links the objects being copied, innermost first (at most LIMITS.depth of them): cycles
 *   are cut by walking it, with no WeakSet per record and one small link per object copied;
 * - own keys are read with for...in (no entry arrays) and set by assignment, which keeps the copy a
 *   fast-mode object; defineProperty, which made every copy a dictionary, only for keys that
 *   Object.prototype has (`__proto__` must stay an ordinary key);
 * - a key's isSensitiveKey verdict is remembered per key string, since keys repeat on every line
 *   while values do not; only keys the scrubber leaves unchanged, of at most 128 characters and
 *   holding no registered secret, are remembered (see `cleanKeys`).
 */
function redact(value: unknown, depth: number, path: Path, secrets: RegisteredSecrets): unknown {
  switch (typeof value) {
    case 'string':
      return scrubWith(value, secrets);
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
  for (let p = path; p !== undefined; p = p.up) if (p.obj === obj) return '[Circular]';
  if (depth >= LIMITS.depth) return '[Truncated]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString();
  // Raw bytes may be a secret in any encoding: never print them.
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[Binary ${String((obj as ArrayBufferLike).byteLength)} bytes]`;
  const inner: Path = { obj, up: path };
  if (obj instanceof Error) return redactError(obj, depth, inner, secrets);
  if (Array.isArray(obj)) return redactArray(obj, depth, inner, secrets);
  if (obj instanceof Map) return redactEntries([...obj.entries()].map(([k, v]) => [String(k), v]), depth, inner, secrets);
  if (obj instanceof Set) return redactArray([...obj], depth, inner, secrets);
  return redactObject(obj as Record<string, unknown>, depth, inner, secrets);
}

/** The objects being copied, innermost first; `undefined` at the top. */
type Path = { readonly obj: object; readonly up: Path } | undefined;

function redactArray(items: readonly unknown[], depth: number, path: Path, secrets: RegisteredSecrets): unknown[] {
  const out = items.slice(0, LIMITS.items).map((item) => redact(item, depth + 1, path, secrets));
  if (items.length > LIMITS.items) out.push(`[+${String(items.length - LIMITS.items)} more]`);
  return out;
}

/** The own enumerable string-keyed fields of `obj`, like Object.entries, without building the entries. */
function redactObject(obj: Record<string, unknown>, depth: number, path: Path, secrets: RegisteredSecrets): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const key in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, key)) continue;
    if (count++ >= LIMITS.keys) {
      let total = 0;
      for (const k in obj) if (Object.prototype.hasOwnProperty.call(obj, k)) total++;
      out['[truncated]'] = `${String(total - LIMITS.keys)} more keys`;
      break;
    }
    putEntry(out, key, obj[key], depth, path, secrets);
  }
  return out;
}

function redactEntries(entries: ReadonlyArray<readonly [string, unknown]>, depth: number, path: Path, secrets: RegisteredSecrets): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let count = 0;
  for (const [key, v] of entries) {
    if (count++ >= LIMITS.keys) {
      out['[truncated]'] = `${String(entries.length - LIMITS.keys)} more keys`;
      break;
    }
    putEntry(out, key, v, depth, path, secrets);
  }
  return out;
}

function putEntry(out: Record<string, unknown>, key: string, v: unknown, depth: number, path: Path, secrets: RegisteredSecrets): void {
  let sensitive = cleanKeys.get(key);
  let safeKey = key;
  if (sensitive === undefined || containsAny(key, secrets.exact)) {
    // Keys themselves can carry data (a map keyed by phone number).
    safeKey = scrubWith(key, secrets);
    sensitive = isSensitiveKey(key);
    if (safeKey === key && key.length <= CLEAN_KEY_MAX_LENGTH && !containsAny(key, secrets.exact)) rememberCleanKey(key, sensitive);
  }
  const safeValue = sensitive && v !== undefined && v !== null ? REDACTED : redact(v, depth + 1, path, secrets);
  // A key Object.prototype has (`__proto__`, `constructor`...) is defined, so it stays an ordinary key.
  if (safeKey in Object.prototype) Object.defineProperty(out, safeKey, { value: safeValue, enumerable: true, writable: true, configurable: true });
  else out[safeKey] = safeValue;
}

/*
 * Keys the shape scrubber leaves unchanged, with their isSensitiveKey verdict. A key that contains a
 * registered secret is scrubbed again every time (registrations come and go); keys the scrubber
 * changes are never remembered, so no secret-shaped key is kept here. Bounded: when full it starts
 * over, which costs one scrub per key and keeps hostile key sets from growing it.
 */
const cleanKeys = new Map<string, boolean>();
const CLEAN_KEYS_MAX = 1000;
const CLEAN_KEY_MAX_LENGTH = 128;

function rememberCleanKey(key: string, sensitive: boolean): void {
  if (cleanKeys.size >= CLEAN_KEYS_MAX) cleanKeys.clear();
  cleanKeys.set(key, sensitive);
}

function containsAny(text: string, secrets: readonly string[]): boolean {
  for (let i = 0; i < secrets.length; i++) if (text.includes(secrets[i] as string)) return true;
  return false;
}

function redactError(error: Error, depth: number, path: Path, secrets: RegisteredSecrets): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.name || error.constructor.name,
    message: scrubWith(String(error.message), secrets),
  };
  if (typeof error.stack === 'string') out['stack'] = scrubWith(error.stack, secrets);
  // Own enumerable fields: code, statusCode, reason, retryAfterMs, request/response details...
  const extra = redactObject(error as unknown as Record<string, unknown>, depth, path, secrets);
  for (const [k, v] of Object.entries(extra)) if (!(k in out)) out[k] = v;
  if (error.cause !== undefined) out['cause'] = redact(error.cause, depth + 1, path, secrets);
  if (error instanceof AggregateError) out['errors'] = redactArray(error.errors as unknown[], depth, path, secrets);
  return out;
}
