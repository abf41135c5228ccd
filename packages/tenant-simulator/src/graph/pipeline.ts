import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJson, sendEmpty, sendJson } from '../http-io.js';
import type { SimulatorState } from '../state.js';
import { requestCost } from '../throttle.js';
import { authenticate, authorize, type Caller } from './auth.js';
import type { GraphResult, GraphRoute, GraphVersion } from './context.js';
import { GraphError, graphErrorBody } from './errors.js';
import { matchGraphRoute } from './routes.js';

const graphContentType = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';

export interface GraphOutcome {
  status: number;
  route: string | null;
  appId: string | null;
  resourceUnits: number | null;
  errorCode: string | null;
}

/**
 * One Graph request, in Graph's order: authenticate (401), resolve the operation (400/405),
 * authorize the application permission (403), throttle (429), then the operation itself.
 * Every answer carries request-id / client-request-id and Graph's JSON error body on failure.
 */
export async function handleGraphRequest(
  state: SimulatorState,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  version: GraphVersion,
  segments: string[],
  rawBody: string,
  ids: { requestId: string; clientRequestId: string },
): Promise<GraphOutcome> {
  const now = new Date();
  const method = req.method ?? 'GET';
  const baseHeaders = {
    'request-id': ids.requestId,
    'client-request-id': ids.clientRequestId,
    'x-ms-ags-diagnostic': JSON.stringify({ ServerInfo: { DataCenter: 'Local', Slice: 'E', Ring: '0', ScaleUnit: '000', RoleInstance: 'tenant-simulator' } }),
  };
  let caller: Caller | undefined;
  let route: GraphRoute | undefined;
  let resourceUnits: number | null = null;
  let extraHeaders: Record<string, string> = {};
  try {
    caller = await authenticate(req.headers.authorization, state.keys, state.directory.tenantId);
    const match = matchGraphRoute(method, version, segments);
    route = match.route;
    authorize(caller, route.permissions);
    const cost = requestCost(method, route.baseCost ?? 1, url.searchParams);
    resourceUnits = cost.resourceUnits;
    const decision = state.throttle.check(caller.appId, route.service ?? 'identity', cost.resourceUnits, cost.writes);
    extraHeaders = decision.headers;
    if (!decision.ok) {
      throw new GraphError(429, 'Request_ThrottledTemporarily', `Your request is throttled temporarily. Please try after ${decision.retryAfterSeconds} seconds.`, decision.headers);
    }
    const body = method === 'GET' || method === 'DELETE' ? undefined : parseJson(rawBody);
    if (body === undefined && method !== 'GET' && method !== 'DELETE') {
      throw new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
    }
    const result: GraphResult = await route.handle({
      version,
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      caller,
      state,
      now,
      url,
    });
    const headers = { ...baseHeaders, ...extraHeaders, ...result.headers };
    if (result.body === undefined) sendEmpty(res, result.status, headers);
    else sendJson(res, result.status, result.body, headers, graphContentType);
    return { status: result.status, route: routeName(route), appId: caller.appId, resourceUnits, errorCode: null };
  } catch (err) {
    if (!(err instanceof GraphError)) throw err;
    sendJson(res, err.status, graphErrorBody(err.code, err.message, ids.requestId, ids.clientRequestId, now), { ...baseHeaders, ...extraHeaders, ...err.headers }, graphContentType);
    return { status: err.status, route: route ? routeName(route) : null, appId: caller?.appId ?? null, resourceUnits, errorCode: err.code };
  }
}

export function routeName(route: GraphRoute): string {
  return `${route.method} ${route.path}`;
}
