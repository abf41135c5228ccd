import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { mask } from './call-log.js';
import type { Fault } from './faults.js';
import { loadFixture, validateFixture } from './fixture/load.js';
import type { OrgFixture } from './fixture/types.js';
import { graphErrorBody } from './graph/errors.js';
import { handleGraphRequest, type GraphOutcome } from './graph/pipeline.js';
import { BodyTooLargeError, pathSegments, readBody, sendJson } from './http-io.js';
import { IdentityEndpoints } from './identity/endpoints.js';
import { KeyRing } from './identity/keys.js';
import { TokenIssuer } from './identity/tokens.js';
import { handleSimRequest } from './sim/api.js';
import { SimulatorState } from './state.js';
import { defaultThrottleSettings, Throttle, type ThrottleSettings } from './throttle.js';

export interface TenantSimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Loopback only by default. */
  host?: string;
  /** A fixture object or the path of a fixture JSON file; default: the demo org. */
  org?: string | OrgFixture;
  /** Expected `x-identity-header` value on `/msi/token` (IDENTITY_HEADER). */
  identityHeader?: string;
  /** Multiplies every throttling quota (e.g. 0.001 for tests). */
  throttleScale?: number;
  /** Overrides individual throttle settings after scaling. */
  throttle?: Partial<ThrottleSettings>;
  /** Treat unknown assignment request ids as waiting for a callback (once). */
  autoWait?: boolean;
  managedIdentityTokenLifetimeSeconds?: number;
  clientCredentialTokenLifetimeSeconds?: number;
  /** Keep the signing keys in this file (created when missing) so tokens survive restarts. */
  keysFile?: string;
  /** Audit-log ingestion latency in seconds (default 0; Entra: 120 at the 95th percentile). */
  auditLatencySeconds?: number;
  /** Called with one line per request (method, route template, status, ms): no ids, no UPNs. */
  log?: (line: string) => void;
}

export interface TenantSimulator {
  url: string;
  port: number;
  tenantId: string;
  identityHeader: string;
  /** The live state, for in-process use (tests of the simulator drive it over HTTP instead). */
  state: SimulatorState;
  close(): Promise<void>;
}

export const defaultIdentityHeader = 'tenant-simulator-identity-header';

export async function startTenantSimulator(options: TenantSimulatorOptions = {}): Promise<TenantSimulator> {
  // A copy: Graph calls change the apps' grants and resources (app-role assignments, new apps).
  const fixture = structuredClone(typeof options.org === 'object' ? validateFixture(options.org) : loadFixture(options.org));
  const keys = new KeyRing(options.keysFile);
  const tenantId = fixture.tenant.id.toLowerCase();
  const issuer = new TokenIssuer(tenantId, keys, fixture.apps, fixture.resources);
  const throttle = new Throttle({ ...defaultThrottleSettings(fixture.users.length, options.throttleScale ?? 1), ...options.throttle }, tenantId);
  const state = new SimulatorState(fixture, keys, issuer, throttle, options.autoWait ?? false, {
    ...(options.auditLatencySeconds !== undefined && { auditLatencySeconds: options.auditLatencySeconds }),
  });
  const identityHeader = options.identityHeader ?? defaultIdentityHeader;
  const miLifetime = options.managedIdentityTokenLifetimeSeconds ?? 24 * 3600;
  let baseUrl = '';
  const identity = new IdentityEndpoints(issuer, keys, {
    baseUrl: () => baseUrl,
    tenantId,
    domains: fixture.tenant.domains.map((d) => d.toLowerCase()),
    identityHeader,
    defaultManagedIdentity: fixture.defaultManagedIdentity,
    managedIdentityTokenLifetimeSeconds: miLifetime,
    clientCredentialTokenLifetimeSeconds: options.clientCredentialTokenLifetimeSeconds ?? 3599,
  });
  const info = () => ({
    url: baseUrl,
    tenantId,
    tenantDisplayName: fixture.tenant.displayName,
    domains: fixture.tenant.domains,
    managedIdentity: { IDENTITY_ENDPOINT: `${baseUrl}/msi/token`, IDENTITY_HEADER: identityHeader, defaultIdentity: fixture.defaultManagedIdentity ?? null },
    authorityHost: baseUrl,
    openIdConfiguration: { v1: `${baseUrl}/${tenantId}/.well-known/openid-configuration`, v2: `${baseUrl}/${tenantId}/v2.0/.well-known/openid-configuration` },
    jwksUri: { v1: `${baseUrl}/${tenantId}/discovery/keys`, v2: `${baseUrl}/${tenantId}/discovery/v2.0/keys` },
    issuers: { v1: `https://sts.windows.net/${tenantId}/`, v2: `https://login.microsoftonline.com/${tenantId}/v2.0` },
    graphBaseUrl: { 'v1.0': `${baseUrl}/v1.0`, beta: `${baseUrl}/beta` },
    relay: { app: fixture.relayApp ?? null, audience: fixture.relayAudience ?? null },
    apps: fixture.apps.map((a) => ({
      name: a.name,
      appId: a.appId,
      servicePrincipalId: a.servicePrincipalId,
      managedIdentity: a.managedIdentity ?? false,
      hasClientSecret: a.clientSecret !== undefined,
      roles: a.roles ?? {},
    })),
    resources: fixture.resources,
    throttle: throttle.current(),
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      // A simulator bug: answer 500 and say so on stderr (message only, never bodies).
      process.stderr.write(`tenant-simulator: internal error on ${req.method ?? ''} request: ${(err as Error).message}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: 'tenant simulator internal error' } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', baseUrl);
    const segments = pathSegments(url.pathname);
    let rawBody: string;
    try {
      rawBody = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: { code: 'RequestEntityTooLarge', message: err.message } });
      throw err;
    }
    if (segments[0] === '_sim') {
      await handleSimRequest({ state, info, managedIdentityTokenLifetimeSeconds: miLifetime }, method, segments.slice(1), url, rawBody, res);
      return;
    }
    const requestId = randomUUID();
    const clientRequestId = headerValue(req, 'client-request-id') ?? requestId;
    const isGraph = segments[0] === 'v1.0' || segments[0] === 'beta';
    const identityMatch = isGraph ? undefined : identity.match(method, segments);
    let outcome: GraphOutcome;
    const fault = state.faults.fire(method, url.pathname);
    if (fault?.latencyMs) await sleep(fault.latencyMs);
    if (fault?.status !== undefined) {
      outcome = answerFault(res, fault, isGraph, requestId, clientRequestId);
    } else if (isGraph) {
      outcome = await handleGraphRequest(state, req, res, url, segments[0] as 'v1.0', segments.slice(1), rawBody, { requestId, clientRequestId });
    } else if (identityMatch) {
      await identityMatch.handle(req, res, url, rawBody);
      outcome = { status: res.statusCode, route: identityMatch.route, appId: null, resourceUnits: null, errorCode: null };
    } else {
      sendJson(res, 404, { error: { code: 'NotFound', message: `The tenant simulator serves no ${method} ${url.pathname}` } });
      outcome = { status: 404, route: null, appId: null, resourceUnits: null, errorCode: 'NotFound' };
    }
    const durationMs = Math.round(performance.now() - started);
    state.calls.add({
      at: new Date().toISOString(),
      kind: isGraph ? 'graph' : 'identity',
      method,
      path: url.pathname + url.search,
      route: outcome.route,
      status: outcome.status,
      appId: outcome.appId,
      requestId,
      clientRequestId,
      durationMs,
      resourceUnits: outcome.resourceUnits,
      errorCode: outcome.errorCode,
      faultId: fault?.id ?? null,
      requestBody: recordedBody(rawBody),
    });
    if (isGraph && outcome.route?.endsWith('/resume') && segments.length >= 3) {
      state.resumeCalls.push({
        at: new Date().toISOString(),
        version: segments[0]!,
        path: url.pathname,
        requestId: segments[segments.length - 2]!,
        appId: outcome.appId ?? '',
        status: outcome.status,
        errorCode: outcome.errorCode,
        body: mask(parseOrNull(rawBody)),
      });
    }
    options.log?.(`${outcome.route ?? `${method} (unmatched)`} ${outcome.status} ${durationMs}ms`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;
  return {
    url: baseUrl,
    port: address.port,
    tenantId,
    identityHeader,
    state,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

const faultCodes: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** An injected failure, shaped like the real service's: Graph's error body or Entra's. */
function answerFault(res: ServerResponse, fault: Fault, isGraph: boolean, requestId: string, clientRequestId: string): GraphOutcome {
  const status = fault.status!;
  const code = fault.code ?? faultCodes[status] ?? 'UnknownError';
  const headers: Record<string, string> = { 'request-id': requestId, 'client-request-id': clientRequestId };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  const message = `Injected fault ${fault.id}.`;
  const body = isGraph
    ? graphErrorBody(code, message, requestId, clientRequestId, new Date())
    : { error: code, error_description: message, error_codes: [], correlation_id: clientRequestId, trace_id: requestId };
  sendJson(res, status, body, headers);
  return { status, route: `fault ${fault.route}`, appId: null, resourceUnits: null, errorCode: code };
}

function parseOrNull(raw: string): unknown {
  if (raw.trim() === '') return null;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

/** JSON bodies masked by key; form bodies (token requests) as fields, secrets masked. */
function recordedBody(raw: string): unknown {
  if (raw.trim() === '') return null;
  const json = parseOrNull(raw);
  if (json !== null) return mask(json);
  return mask(Object.fromEntries(new URLSearchParams(raw)));
}
