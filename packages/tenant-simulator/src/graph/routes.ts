import { applicationRoutes } from './applications.js';
import { auditLogRoutes } from './audit-logs.js';
import { authenticationMethodRoutes } from './authentication-methods.js';
import type { GraphRoute, GraphVersion } from './context.js';
import { entitlementRoutes } from './entitlement.js';
import { badRequest, GraphError } from './errors.js';
import { roleManagementRoutes } from './role-management.js';
import { userRoutes } from './users.js';
import { usersDeltaRoutes } from './users-delta.js';

export const graphRoutes: readonly GraphRoute[] = [
  // Before /users/{user}, which would bind "delta" as a user id.
  ...usersDeltaRoutes,
  ...userRoutes,
  ...authenticationMethodRoutes,
  ...roleManagementRoutes,
  ...auditLogRoutes,
  ...entitlementRoutes,
  ...applicationRoutes,
];

export interface RouteMatch {
  route: GraphRoute;
  params: Record<string, string>;
}

function bind(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split('/').filter((p) => p !== '');
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith('{')) params[part.slice(1, -1)] = seg;
    else if (part.toLowerCase() !== seg.toLowerCase()) return undefined;
  }
  return params;
}

/**
 * Finds the operation for a Graph path (segments after the version). Unknown paths get Graph's
 * "Resource not found for the segment" 400; a known path with another method gets 405.
 */
export function matchGraphRoute(method: string, version: GraphVersion, segments: string[]): RouteMatch {
  const candidates = graphRoutes.filter((r) => r.versions.includes(version));
  let pathKnown = false;
  for (const route of candidates) {
    const params = bind(route.path, segments);
    if (!params) continue;
    if (route.method === method) return { route, params };
    pathKnown = true;
  }
  if (pathKnown) throw new GraphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request uri.');
  throw badRequest(`Resource not found for the segment '${unknownSegment(candidates, segments)}'.`);
}

/** The first segment no operation's path continues with (what Graph names in its 400). */
function unknownSegment(routes: readonly GraphRoute[], segments: string[]): string {
  for (let depth = 0; depth < segments.length; depth++) {
    const prefix = segments.slice(0, depth + 1);
    const continues = routes.some((r) => {
      const parts = r.path.split('/').filter((p) => p !== '');
      return prefix.every((seg, i) => parts[i] !== undefined && (parts[i].startsWith('{') || parts[i].toLowerCase() === seg.toLowerCase()));
    });
    if (!continues) return segments[depth]!;
  }
  return segments[segments.length - 1] ?? '';
}
