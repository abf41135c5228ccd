import { createHash, createHmac } from 'node:crypto';

/**
 * Signs a request the way the ACS SDKs do, written independently of the simulator's verifier so
 * the two cannot share a mistake. Options let a test break one part of the signature on purpose.
 */
export interface SignedFetchOptions {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
  /** Overrides x-ms-date (e.g. a stale date). */
  date?: Date;
  /** Signs this body hash instead of the real one. */
  signedBody?: string;
}

export async function signedFetch(baseUrl: string, accessKey: string, pathAndQuery: string, options: SignedFetchOptions = {}): Promise<Response> {
  const method = options.method ?? 'POST';
  const body = options.body ?? '';
  const url = new URL(pathAndQuery, baseUrl);
  const date = (options.date ?? new Date()).toUTCString();
  const contentHash = createHash('sha256').update(options.signedBody ?? body).digest('base64');
  const stringToSign = `${method}\n${url.pathname}${url.search}\n${date};${url.host};${contentHash}`;
  const signature = createHmac('sha256', Buffer.from(accessKey, 'base64')).update(stringToSign).digest('base64');
  return fetch(url, {
    method,
    body: method === 'GET' ? undefined : body,
    headers: {
      'content-type': 'application/json',
      'x-ms-date': date,
      'x-ms-content-sha256': contentHash,
      authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
      ...options.headers,
    },
  });
}
