import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * ACS access-key authentication, checked the way the service documents it
 * (learn.microsoft.com/azure/communication-services/tutorials/hmac-header-tutorial):
 *
 *   Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>
 *   string to sign: VERB \n path+query \n <x-ms-date>;<host>;<x-ms-content-sha256>
 *   signature:      base64(HMAC-SHA256(base64decode(accessKey), string to sign))
 *
 * plus a content hash check (base64 SHA-256 of the raw body) and a 15 minute clock skew limit.
 */

export const MAX_DATE_SKEW_MS = 15 * 60_000;

const AUTHORIZATION = /^HMAC-SHA256 SignedHeaders=([^&]+)&Signature=(.+)$/;
const REQUIRED_SIGNED_HEADERS = ['x-ms-date', 'host', 'x-ms-content-sha256'];

export interface SignedRequest {
  method: string;
  /** The request target exactly as received (path plus query). */
  pathAndQuery: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type AuthVerdict = { ok: true } | { ok: false; message: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function sameBase64(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64');
  const y = Buffer.from(b, 'base64');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function verifyHmac(request: SignedRequest, key: Buffer, now: number): AuthVerdict {
  const authorization = header(request.headers, 'authorization');
  if (authorization === undefined) {
    return { ok: false, message: 'Authorization header is missing.' };
  }
  if (/^bearer /i.test(authorization)) {
    // Entra ID tokens are valid against real ACS; this simulator only models the access key.
    return { ok: false, message: 'Bearer tokens are not accepted by this simulator; sign with the access key.' };
  }
  const match = AUTHORIZATION.exec(authorization);
  if (match?.[1] === undefined || match[2] === undefined) {
    return { ok: false, message: 'Authorization header is not in the HMAC-SHA256 format.' };
  }
  const signedHeaders = match[1].split(';').map((h) => h.trim().toLowerCase());
  if (!REQUIRED_SIGNED_HEADERS.every((h) => signedHeaders.includes(h))) {
    return { ok: false, message: 'SignedHeaders must include x-ms-date, host and x-ms-content-sha256.' };
  }

  const contentHash = createHash('sha256').update(request.body).digest('base64');
  if (header(request.headers, 'x-ms-content-sha256') !== contentHash) {
    return { ok: false, message: "Request 'x-ms-content-sha256' differs from generated content hash." };
  }

  const date = Date.parse(header(request.headers, 'x-ms-date') ?? '');
  if (Number.isNaN(date)) {
    return { ok: false, message: "Request 'x-ms-date' is missing or not an RFC 1123 date." };
  }
  if (Math.abs(now - date) > MAX_DATE_SKEW_MS) {
    return { ok: false, message: "Request 'x-ms-date' is more than 15 minutes away from the service's clock." };
  }

  const values: string[] = [];
  for (const name of signedHeaders) {
    const value = header(request.headers, name);
    if (value === undefined) return { ok: false, message: `Signed header '${name}' is missing.` };
    values.push(value);
  }
  const stringToSign = `${request.method.toUpperCase()}\n${request.pathAndQuery}\n${values.join(';')}`;
  const expected = createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64');
  if (!sameBase64(expected, match[2])) {
    return { ok: false, message: 'Denied by the resource provider: the HMAC signature does not match.' };
  }
  return { ok: true };
}
