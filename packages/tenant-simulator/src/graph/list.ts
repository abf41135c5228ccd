import type { GraphContext, GraphResult } from './context.js';
import { badRequest } from './errors.js';
import { compileFilter, FilterSyntaxError } from './odata-filter.js';
import { applySelect, parseTop } from './select.js';

export interface ListOptions {
  /** `@odata.context` fragment, e.g. "users". */
  context: string;
  items: Record<string, unknown>[];
  typeName: string;
  defaultSelect: readonly string[];
}

export function filterItems<T>(items: T[], filter: string | null): T[] {
  if (!filter) return items;
  try {
    const test = compileFilter(filter);
    return items.filter((i) => test(i));
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw badRequest(`Invalid filter clause: ${err.message}`, 'BadRequest');
    throw err;
  }
}

/**
 * A collection response with Graph's query options: `$filter` (before projection), `$orderby`
 * (one property), `$count=true`, `$top` with `@odata.nextLink` paging through `$skiptoken`, and
 * `$select`. The nextLink points back at the simulator so paging clients stay local.
 */
export function listResult(ctx: GraphContext, opts: ListOptions): GraphResult {
  let items = filterItems(opts.items, ctx.query.get('$filter'));
  const orderBy = ctx.query.get('$orderby');
  if (orderBy) {
    const [prop, dir] = orderBy.trim().split(/\s+/);
    const sign = dir?.toLowerCase() === 'desc' ? -1 : 1;
    items = [...items].sort((a, b) => sign * sortKey(a[prop!]).localeCompare(sortKey(b[prop!])));
  }
  const total = items.length;
  const top = parseTop(ctx.query);
  const skip = decodeSkipToken(ctx.query.get('$skiptoken'));
  let nextLink: string | undefined;
  if (top !== undefined || skip > 0) {
    const size = top ?? 100;
    if (skip + size < items.length) {
      const next = new URL(ctx.url);
      next.searchParams.set('$skiptoken', Buffer.from(String(skip + size)).toString('base64url'));
      nextLink = next.toString();
    }
    items = items.slice(skip, skip + size);
  }
  const select = ctx.query.get('$select');
  return {
    status: 200,
    body: {
      '@odata.context': `https://graph.microsoft.com/${ctx.version}/$metadata#${opts.context}`,
      ...(ctx.query.get('$count') === 'true' ? { '@odata.count': total } : {}),
      ...(nextLink ? { '@odata.nextLink': nextLink } : {}),
      value: items.map((i) => applySelect(i, select, opts.typeName, opts.defaultSelect)),
    },
  };
}

function decodeSkipToken(token: string | null): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw badRequest('Invalid $skiptoken.', 'Request_BadRequest');
  return n;
}

function sortKey(v: unknown): string {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
