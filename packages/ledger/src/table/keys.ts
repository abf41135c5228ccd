// Table names and keys (DESIGN section 7). Why these keys:
// - requests  PK = requestId,            RK = "request"  point reads by the worker and notifier
//   are the hot path; tapctl's listings are rare and may scan with a server-side filter.
// - targets   PK = targetId,             RK = "target"   one row per target: the lease and the
//   current TAP id live in ONE entity so a single ETag guards both.
// - quotas    PK = requestorId,          RK = UTC day (YYYY-MM-DD)  one counter per requestor per
//   day; old days are never touched again (a retention job may drop them).
// - audit     PK = requestId, or "~" + UTC day for events about no request (purges, bulk
//   replays); RK = ISO time + "~" + random  so a request's trail is one ordered partition read.

export const TABLES = ['requests', 'targets', 'quotas', 'audit'] as const;
export type TableKind = (typeof TABLES)[number];

export function tableName(prefix: string, kind: TableKind): string {
  return `${prefix}${kind}`;
}

export function validatePrefix(prefix: string): string {
  // Table names: alphanumeric, start with a letter, 3..63 chars; the longest suffix is 8.
  if (!/^[A-Za-z][A-Za-z0-9]{0,54}$/.test(prefix) && prefix !== '') {
    throw new Error(`table prefix must be alphanumeric and start with a letter: ${JSON.stringify(prefix)}`);
  }
  return prefix;
}

// Keys may not hold / \ # ? or control characters; percent-encode those (and % itself).
const unsafe = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;

export function encodeKey(value: string): string {
  if (value === '') throw new Error('table keys must not be empty');
  return value.replace(unsafe, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);
}

export const REQUEST_ROW = 'request';
export const TARGET_ROW = 'target';
export const AUDIT_NO_REQUEST = '~';
