import type { IncomingHttpHeaders } from 'node:http';
import type { SimulatorState } from '../state.js';
import type { Caller } from './auth.js';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphContext {
  version: GraphVersion;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
  caller: Caller;
  state: SimulatorState;
  now: Date;
  /** The request URL as the simulator saw it (absolute, for nextLink). */
  url: URL;
}

export interface GraphResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * One Graph operation: its path template (`{name}` binds a segment), versions served, the
 * application permissions that allow it (any one), the throttling service it counts against and
 * its base resource-unit cost (Graph's table; 1 when unlisted).
 */
export interface GraphRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  versions: readonly GraphVersion[];
  permissions: readonly string[];
  service?: 'identity' | 'reports';
  baseCost?: number;
  handle(ctx: GraphContext): GraphResult | Promise<GraphResult>;
}

export const bothVersions: readonly GraphVersion[] = ['v1.0', 'beta'];

export const odataContext = (version: GraphVersion, fragment: string): string => `https://graph.microsoft.com/${version}/$metadata#${fragment}`;
