// One JSON-over-HTTP call to a local-stack service, with transport failures translated once into
// a readable CliError naming the service and its origin (never a path, header or body).

import { CliError } from './cli-error.js';

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  /** Parsed JSON, or undefined when the body was empty or not JSON. */
  readonly json: unknown;
}

const DEFAULT_TIMEOUT_MS = 10_000;

function causeCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export async function callJson(
  fetchImpl: FetchLike,
  service: string,
  url: string,
  init: { method: string; headers?: Record<string, string>; body?: unknown; timeoutMs?: number },
): Promise<HttpAnswer> {
  const origin = new URL(url).origin;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: init.method,
      headers: { accept: 'application/json', ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(init.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    });
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    const why = timedOut ? 'no answer in time' : (causeCode(err) ?? 'connection failed');
    throw new CliError(`cannot reach the ${service} at ${origin} (${why}): is \`pnpm start\` running?`);
  }
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    json = undefined;
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', json };
}
