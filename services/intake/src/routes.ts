// The one route table. The Functions entry (functions.ts) registers it with `app.http`, the local
// host (local-host.ts) serves it over node:http, so the two cannot drift; test/registration.test.ts
// checks what the Functions entry really registers against this table.
import type { HttpHandler, HttpMethod } from '@azure/functions';
import { createHealthHandler } from './http/health-handler.js';
import { createTapRequestHandler } from './http/tap-request-handler.js';
import type { IntakePorts } from './ports.js';

export interface RouteDefinition {
  /** Function name in Azure (letters, digits, `_`, `-`). */
  readonly name: string;
  readonly methods: readonly HttpMethod[];
  /** Route template below the host's `/api` prefix. */
  readonly route: string;
  /** The bearer token is checked by the handler itself, so no function key is required. */
  readonly authLevel: 'anonymous';
  readonly createHandler: (ports: IntakePorts) => HttpHandler;
}

export const routes: readonly RouteDefinition[] = [
  { name: 'tap-requests', methods: ['POST'], route: 'tap-requests', authLevel: 'anonymous', createHandler: createTapRequestHandler },
  { name: 'health', methods: ['GET'], route: 'health', authLevel: 'anonymous', createHandler: () => createHealthHandler() },
];

/** A route with its handler built from the ports. */
export interface BoundRoute extends Omit<RouteDefinition, 'createHandler'> {
  readonly handler: HttpHandler;
}

export function bindRoutes(ports: IntakePorts, table: readonly RouteDefinition[] = routes): BoundRoute[] {
  return table.map(({ createHandler, ...route }) => ({ ...route, handler: createHandler(ports) }));
}

/** The path prefix the Functions host puts before every route (host.json `extensions.http.routePrefix`). */
export const ROUTE_PREFIX = 'api';
