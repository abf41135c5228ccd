import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FixtureApp } from '../fixture/types.js';
import { sendJson } from '../http-io.js';
import type { KeyRing } from './keys.js';
import { issuerV1, issuerV2, type TokenIssuer } from './tokens.js';

export interface IdentityEndpointOptions {
  baseUrl: () => string;
  tenantId: string;
  domains: readonly string[];
  /** Value the App Service style endpoint expects in `x-identity-header`. */
  identityHeader: string;
  /** App name used when an MSI caller names no identity. */
  defaultManagedIdentity: string | undefined;
  managedIdentityTokenLifetimeSeconds: number;
  clientCredentialTokenLifetimeSeconds: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, rawBody: string) => Promise<void> | void;

/**
 * Entra's side of token acquisition: the managed-identity endpoint (App Service 2019-08-01 and
 * IMDS shapes), the v1/v2 token endpoints for client credentials, OpenID metadata, JWKS and the
 * instance-discovery document MSAL asks for.
 */
export class IdentityEndpoints {
  constructor(
    private readonly issuer: TokenIssuer,
    private readonly keys: KeyRing,
    private readonly opts: IdentityEndpointOptions,
  ) {}

  /** Returns the handler for this request, or undefined when the path is not an identity path. */
  match(method: string, segments: string[]): { route: string; handle: Handler } | undefined {
    const [a, b, c, d] = segments.map((s) => s.toLowerCase());
    const n = segments.length;
    if (method === 'GET' && a === 'msi' && b === 'token' && n === 2) return { route: 'GET /msi/token', handle: (q, r, u) => this.msi(q, r, u, undefined, 'appService') };
    if (method === 'GET' && a === 'msi' && c === 'token' && n === 3) return { route: 'GET /msi/{identity}/token', handle: (q, r, u) => this.msi(q, r, u, segments[1], 'appService') };
    if (method === 'GET' && a === 'metadata' && b === 'identity' && c === 'oauth2' && d === 'token' && n === 4) {
      return { route: 'GET /metadata/identity/oauth2/token', handle: (q, r, u) => this.msi(q, r, u, undefined, 'imds') };
    }
    if (method === 'GET' && a === 'common' && b === 'discovery' && c === 'instance' && n === 3) return { route: 'GET /common/discovery/instance', handle: (_q, r) => this.instanceDiscovery(r) };
    if (!a || n < 2) return undefined;
    const tenant = segments[0]!;
    const rest = segments.slice(1).map((s) => s.toLowerCase()).join('/');
    switch (`${method} ${rest}`) {
      case 'POST oauth2/v2.0/token': return { route: 'POST /{tenant}/oauth2/v2.0/token', handle: (q, r, _u, body) => this.tokenEndpoint(q, r, body, tenant, 2) };
      case 'POST oauth2/token': return { route: 'POST /{tenant}/oauth2/token', handle: (q, r, _u, body) => this.tokenEndpoint(q, r, body, tenant, 1) };
      case 'GET v2.0/.well-known/openid-configuration': return { route: 'GET /{tenant}/v2.0/.well-known/openid-configuration', handle: (_q, r) => this.openIdConfiguration(r, tenant, 2) };
      case 'GET .well-known/openid-configuration': return { route: 'GET /{tenant}/.well-known/openid-configuration', handle: (_q, r) => this.openIdConfiguration(r, tenant, 1) };
      case 'GET discovery/v2.0/keys': return { route: 'GET /{tenant}/discovery/v2.0/keys', handle: (_q, r) => this.jwks(r, tenant, 2) };
      case 'GET discovery/keys': return { route: 'GET /{tenant}/discovery/keys', handle: (_q, r) => this.jwks(r, tenant, 1) };
      default: return undefined;
    }
  }

  /** `common`/`organizations` map to the tenant; so do its id and its domains. */
  private tenantKnown(tenant: string): boolean {
    const t = tenant.toLowerCase();
    return t === this.opts.tenantId || t === 'common' || t === 'organizations' || this.opts.domains.includes(t);
  }

  private async msi(req: IncomingMessage, res: ServerResponse, url: URL, pathIdentity: string | undefined, shape: 'appService' | 'imds'): Promise<void> {
    const q = url.searchParams;
    if (shape === 'appService' && req.headers['x-identity-header'] !== this.opts.identityHeader) {
      return sendJson(res, 401, { statusCode: 401, message: 'The X-IDENTITY-HEADER header is missing or invalid.', correlationId: randomUUID() });
    }
    if (shape === 'imds' && req.headers['metadata'] !== 'true') {
      return sendJson(res, 400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
    }
    const resource = q.get('resource');
    if (!resource) return sendJson(res, 400, { statusCode: 400, message: 'The resource parameter is required.', correlationId: randomUUID() });
    // App Service uses client_id / principal_id / object_id / mi_res_id; older clients send clientid.
    const selector = pathIdentity ?? q.get('client_id') ?? q.get('clientid') ?? q.get('principal_id') ?? q.get('object_id') ?? q.get('mi_res_id') ?? q.get('msi_res_id')
      ?? this.opts.defaultManagedIdentity;
    const app = selector ? this.findManagedIdentity(selector) : undefined;
    if (!app) {
      return sendJson(res, 400, { statusCode: 400, message: 'No managed identity found for the specified ClientId/ResourceId/PrincipalId.', correlationId: randomUUID() });
    }
    if (!this.issuer.resolveResource(resource)) {
      return sendJson(res, 400, { statusCode: 400, message: `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${this.opts.tenantId}.`, correlationId: randomUUID() });
    }
    const token = await this.issuer.issueAppToken(app, resource, { via: 'managedIdentity', lifetimeSeconds: this.opts.managedIdentityTokenLifetimeSeconds });
    const lifetime = token.expiresOn - Math.floor(Date.now() / 1000);
    sendJson(res, 200, {
      access_token: token.accessToken,
      expires_on: String(token.expiresOn),
      ...(shape === 'imds' ? { expires_in: String(lifetime), ext_expires_in: String(lifetime), not_before: String(token.claims.nbf) } : {}),
      resource,
      token_type: 'Bearer',
      client_id: app.appId,
    });
  }

  private findManagedIdentity(selector: string): FixtureApp | undefined {
    const bySelector = this.issuer.findApp(selector);
    if (bySelector?.managedIdentity) return bySelector;
    // mi_res_id: an ARM id whose last segment names the identity.
    const last = selector.split('/').pop() ?? '';
    const byResourceId = this.issuer.findApp(last);
    return byResourceId?.managedIdentity ? byResourceId : undefined;
  }

  private async tokenEndpoint(req: IncomingMessage, res: ServerResponse, rawBody: string, tenant: string, version: 1 | 2): Promise<void> {
    if (!this.tenantKnown(tenant)) {
      return aadError(res, 400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    }
    const form = new URLSearchParams(rawBody);
    const grant = form.get('grant_type');
    if (!grant) return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (grant !== 'client_credentials') return aadError(res, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`);
    // client_secret_basic is allowed as well as the form fields MSAL sends.
    const basic = parseBasic(req.headers.authorization);
    const clientId = form.get('client_id') ?? basic?.id;
    const secret = form.get('client_secret') ?? basic?.secret;
    if (!clientId) return aadError(res, 400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const app = this.issuer.findApp(clientId);
    if (!app || app.appId.toLowerCase() !== clientId.toLowerCase()) {
      return aadError(res, 400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`);
    }
    if (form.get('client_assertion')) return aadError(res, 401, 'invalid_client', 700027, 'Client assertion is not supported by the tenant simulator; use a client secret.');
    if (!secret) return aadError(res, 401, 'invalid_client', 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.");
    if (!app.clientSecret || secret !== app.clientSecret) {
      return aadError(res, 401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`);
    }
    const requested = version === 2 ? form.get('scope') : form.get('resource');
    if (!requested) return aadError(res, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${version === 2 ? 'scope' : 'resource'}'.`);
    // v2 scopes are space separated; client credentials take exactly one X/.default.
    const scope = requested.split(' ').find((s) => s.toLowerCase().endsWith('/.default'));
    if (version === 2 && !scope) {
      return aadError(res, 400, 'invalid_scope', 1002012, `The provided value for scope ${requested} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    const target = version === 2 ? scope! : requested;
    if (!this.issuer.resolveResource(target)) {
      return aadError(res, 400, 'invalid_resource', 500011, `The resource principal named ${target.replace(/\/\.default$/i, '')} was not found in the tenant named ${this.opts.tenantId}.`);
    }
    const lifetime = this.opts.clientCredentialTokenLifetimeSeconds;
    const token = await this.issuer.issueAppToken(app, target, { via: 'clientSecret', lifetimeSeconds: lifetime });
    sendJson(res, 200, {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      ...(version === 1 ? { expires_on: String(token.expiresOn), not_before: String(token.claims.nbf), resource: target } : {}),
      access_token: token.accessToken,
    });
  }

  private openIdConfiguration(res: ServerResponse, tenant: string, version: 1 | 2): void {
    if (!this.tenantKnown(tenant)) return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
    const base = this.opts.baseUrl();
    const multi = ['common', 'organizations'].includes(tenant.toLowerCase());
    const tid = multi ? '{tenantid}' : this.opts.tenantId;
    const v = version === 2 ? '/v2.0' : '';
    sendJson(res, 200, {
      token_endpoint: `${base}/${tenant}/oauth2${v}/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/${multi ? 'common' : tenant}/discovery${v}/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: version === 2 ? issuerV2(tid) : issuerV1(tid),
      request_uri_parameter_supported: false,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      authorization_endpoint: `${base}/${tenant}/oauth2${v}/authorize`,
      device_authorization_endpoint: `${base}/${tenant}/oauth2${v}/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/${tenant}/oauth2${v}/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'tid', 'oid', 'roles', 'appid', 'azp'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    });
  }

  private jwks(res: ServerResponse, tenant: string, version: 1 | 2): void {
    if (!this.tenantKnown(tenant)) return aadError(res, 400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found.`);
    const multi = ['common', 'organizations'].includes(tenant.toLowerCase());
    const issuer = version === 2 ? issuerV2(multi ? '{tenantid}' : this.opts.tenantId) : undefined;
    sendJson(res, 200, this.keys.jwks(issuer));
  }

  private instanceDiscovery(res: ServerResponse): void {
    const base = new URL(this.opts.baseUrl());
    sendJson(res, 200, {
      tenant_discovery_endpoint: `${base.origin}/${this.opts.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: base.host, preferred_cache: base.host, aliases: [base.host] }],
    });
  }
}

function aadError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  sendJson(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const [id, ...rest] = Buffer.from(m[1]!, 'base64').toString('utf8').split(':');
  return id ? { id: decodeURIComponent(id), secret: decodeURIComponent(rest.join(':')) } : undefined;
}
