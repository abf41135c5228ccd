import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { nextLinkRequest } from './graph-client.js';
import type { GraphTransport } from './graph-client.js';
import type { RateLimiter } from './rate-limiter.js';
import { translateGraphError } from './translate-graph-error.js';
import type { GraphCallContext } from './translate-graph-error.js';

/** Runs one Graph call and translates whatever it throws, once. */
export async function graphCall<T>(context: GraphCallContext, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw translateGraphError(err, context);
  }
}

/** HTTP status of the Graph response behind a translated error (undefined when there was none). */
export function graphStatusOf(err: unknown): number | undefined {
  const cause = (err as { cause?: { statusCode?: unknown } } | null)?.cause;
  return typeof cause?.statusCode === 'number' ? cause.statusCode : undefined;
}

/**
 * One call of a rate-limited kind: waits for the limiter's token, then tells it how Graph took
 * the call (a 429 slows the rate, a success restores some of it). No limiter: just the call.
 */
export async function limitedCall<T>(limiter: RateLimiter | undefined, run: () => Promise<T>): Promise<T> {
  await limiter?.acquire();
  let result: T;
  try {
    result = await run();
  } catch (err) {
    if (graphStatusOf(err) === 429) limiter?.onThrottled();
    throw err;
  }
  limiter?.onSuccess();
  return result;
}

/** Path segment for a user id or UPN (`#EXT#` guests need the escaping). */
export function userPath(idOrUpn: string): string {
  return `/users/${encodeURIComponent(idOrUpn)}`;
}

export interface GraphPage<T> {
  readonly value?: T[];
  readonly '@odata.nextLink'?: string;
  readonly '@odata.count'?: number;
}

/**
 * Every item of a collection, following nextLinks up to `maxPages` (a bound, not an expectation:
 * tapline's queries return a handful of rows).
 */
export async function listAll<T>(
  transport: GraphTransport,
  context: GraphCallContext,
  first: GraphRequest,
  maxPages = 20,
): Promise<{ items: T[]; count: number | undefined }> {
  const items: T[] = [];
  let page = await graphCall(context, () => first.get() as Promise<GraphPage<T>>);
  const count = typeof page['@odata.count'] === 'number' ? page['@odata.count'] : undefined;
  for (let pages = 1; ; pages++) {
    items.push(...(page.value ?? []));
    const next = page['@odata.nextLink'];
    if (!next || pages >= maxPages) break;
    const { version, path } = nextLinkRequest(next, transport.baseUrl);
    page = await graphCall(context, () => transport.client.api(path).version(version).get() as Promise<GraphPage<T>>);
  }
  return { items, count };
}

/** OData string literal: quotes doubled. */
export function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
