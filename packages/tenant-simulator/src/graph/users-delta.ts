import type { User } from '../directory/org.js';
import { bothVersions, odataContext, type GraphContext, type GraphResult, type GraphRoute } from './context.js';
import { badRequest } from './errors.js';
import { applySelect } from './select.js';
import { userDefaultSelect, userEntity, userReadPermissions } from './users.js';

/**
 * `GET /users/delta` as Graph serves it (delta-query-users): the first round is a full sync of
 * every user, later rounds (the `@odata.deltaLink` of the previous one) return only users changed
 * since, with the properties in `$select`. `manager` in `$select` adds `manager@delta`: the new
 * manager's id, or the old one with `@removed` when the manager was taken away. A deleted user
 * comes back as `{ id, "@removed": { reason: "changed" } }` (soft delete). Pages of
 * `deltaPageSize` users are chained by `@odata.nextLink` (`$skiptoken`); the last page carries the
 * `@odata.deltaLink` (`$deltatoken`). Query parameters are encoded in the tokens, as Graph does.
 *
 * A state token that expired (`deltaTokenLifetimeSeconds`, Graph: 7 days; or
 * `POST /_sim/directory/expire-delta-tokens`) or that this tenant never issued (another
 * generation: the tenant was reset) is answered 400 `syncStateNotFound`: the client must start
 * over with a full sync.
 */
interface DeltaState {
  /** Tenant generation (ChangeLog.generation). */
  readonly g: string;
  /** Changes after this sequence number (-1: a full sync). */
  readonly from: number;
  /** ...up to this one (the log's head when the round started). */
  readonly until: number;
  /** Users already returned in this round (paging). */
  readonly off: number;
  readonly select: string | null;
  /** When the round's first page was served (ms): a token's age. */
  readonly t: number;
}

const SYNC_STATE_NOT_FOUND = 'The sync state generation is not found. The delta token is expired and data must be synchronized again.';

function encodeState(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeState(ctx: GraphContext, token: string): DeltaState {
  let state: DeltaState | undefined;
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as DeltaState;
  } catch {
    state = undefined;
  }
  const sim = ctx.state;
  const expired = state !== undefined
    && (state.t < sim.deltaTokensValidFrom || ctx.now.getTime() - state.t > sim.directorySettings.deltaTokenLifetimeSeconds * 1000);
  if (state === undefined || typeof state.from !== 'number' || state.g !== sim.directory.changes.generation || expired) {
    throw badRequest(SYNC_STATE_NOT_FOUND, 'syncStateNotFound');
  }
  return state;
}

function usersDelta(ctx: GraphContext): GraphResult {
  const dir = ctx.state.directory;
  const skip = ctx.query.get('$skiptoken');
  const delta = ctx.query.get('$deltatoken');
  let state: DeltaState;
  if (skip !== null) state = decodeState(ctx, skip);
  else if (delta !== null) {
    // A deltaLink starts the next round: changes after the previous round's end.
    const previous = decodeState(ctx, delta);
    state = { g: previous.g, from: previous.until, until: dir.changes.head(), off: 0, select: previous.select, t: ctx.now.getTime() };
  } else {
    state = { g: dir.changes.generation, from: -1, until: dir.changes.head(), off: 0, select: ctx.query.get('$select'), t: ctx.now.getTime() };
  }

  const wanted = (state.select ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const withManager = wanted.some((s) => s.toLowerCase() === 'manager');
  const properties = wanted.filter((s) => s.toLowerCase() !== 'manager');
  const project = (u: User) => applySelect(userEntity(u), properties.length > 0 ? properties.join(',') : null, 'microsoft.graph.user', userDefaultSelect);

  const items = state.from < 0 ? fullSync(dir.users.values(), withManager, project) : changesSince(ctx, state, withManager, project);
  const size = ctx.state.directorySettings.deltaPageSize;
  const page = items.slice(state.off, state.off + size);
  const more = state.off + size < items.length;
  const link = new URL(ctx.url);
  link.search = '';
  if (more) link.searchParams.set('$skiptoken', encodeState({ ...state, off: state.off + size }));
  else link.searchParams.set('$deltatoken', encodeState({ ...state, off: 0 }));
  return {
    status: 200,
    body: {
      '@odata.context': odataContext(ctx.version, 'users'),
      [more ? '@odata.nextLink' : '@odata.deltaLink']: link.toString(),
      value: page,
    },
  };
}

type Projection = (u: User) => Record<string, unknown>;

function fullSync(users: Iterable<User>, withManager: boolean, project: Projection): Record<string, unknown>[] {
  return [...users].sort((a, b) => a.id.localeCompare(b.id)).map((u) => ({
    ...project(u),
    ...(withManager && u.managerId !== null && { 'manager@delta': [managerRef(u.managerId)] }),
  }));
}

function changesSince(ctx: GraphContext, state: DeltaState, withManager: boolean, project: Projection): Record<string, unknown>[] {
  const dir = ctx.state.directory;
  // Per user: the manager before the first change in the range (to report a removal).
  const touched = new Map<string, { managerBefore?: string | null }>();
  for (const change of dir.changes.between(state.from, state.until)) {
    const seen = touched.get(change.userId) ?? {};
    if (change.managerFrom !== undefined && !('managerBefore' in seen)) seen.managerBefore = change.managerFrom;
    touched.set(change.userId, seen);
  }
  return [...touched.keys()].sort().map((id) => {
    const user = dir.users.get(id);
    if (user === undefined) return { '@odata.type': '#microsoft.graph.user', id, '@removed': { reason: 'changed' } };
    const seen = touched.get(id)!;
    let managerDelta: unknown[] | undefined;
    if (withManager && 'managerBefore' in seen) {
      if (user.managerId !== null) managerDelta = [managerRef(user.managerId)];
      else if (seen.managerBefore) managerDelta = [{ ...managerRef(seen.managerBefore), '@removed': { reason: 'deleted' } }];
    }
    return { ...project(user), ...(managerDelta !== undefined && { 'manager@delta': managerDelta }) };
  });
}

const managerRef = (id: string) => ({ '@odata.type': '#microsoft.graph.user', id });

export const usersDeltaRoutes: GraphRoute[] = [
  { method: 'GET', path: '/users/delta', versions: bothVersions, permissions: userReadPermissions, handle: usersDelta },
];
