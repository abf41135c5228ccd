import { randomUUID } from 'node:crypto';
import type { AppRole, Application, CustomExtension, ServicePrincipal } from '../directory/app-registry.js';
import { odataContext, type GraphContext, type GraphResult, type GraphRoute, type GraphVersion } from './context.js';
import { badRequest, notFound } from './errors.js';
import { listResult } from './list.js';

// Application objects, service principals, app-role assignments (v1.0) and the custom extensions
// of entitlement-management catalogs: what a deployment's postprovision step calls. Permissions
// are the ones Graph's reference lists for each call, least privileged first.
const appRead = ['Application.Read.All', 'Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All', 'Directory.Read.All'];
const appWrite = ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'];
const assignmentRead = ['Application.Read.All', 'AppRoleAssignment.ReadWrite.All', 'Application.ReadWrite.All', 'Directory.Read.All'];
const assignmentWrite = ['AppRoleAssignment.ReadWrite.All'];
const extensionRead = ['EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All'];
const extensionWrite = ['EntitlementManagement.ReadWrite.All'];

const v1: readonly GraphVersion[] = ['v1.0'];
const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function body(ctx: GraphContext): Record<string, unknown> {
  if (typeof ctx.body !== 'object' || ctx.body === null || Array.isArray(ctx.body)) throw badRequest('The request body must be a JSON object.');
  return ctx.body as Record<string, unknown>;
}

const entityOf = <T extends object>(ctx: GraphContext, set: string, entity: T) => ({ '@odata.context': odataContext(ctx.version, `${set}/$entity`), ...entity });

/** Graph validates app roles: a GUID id, a value without spaces, member types, unique values. */
function appRolesFrom(value: unknown): AppRole[] {
  if (!Array.isArray(value)) throw badRequest("Property 'appRoles' must be an array.");
  const roles = value.map((r: Record<string, unknown>) => {
    if (typeof r.id !== 'string' || !guid.test(r.id)) throw badRequest('An app role must have a GUID id.');
    if (typeof r.value !== 'string' || /\s/.test(r.value) || r.value === '') throw badRequest('An app role value must be a non-empty string without spaces.');
    if (!Array.isArray(r.allowedMemberTypes) || r.allowedMemberTypes.length === 0) throw badRequest('An app role must list allowedMemberTypes.');
    return {
      id: r.id.toLowerCase(),
      value: r.value,
      displayName: typeof r.displayName === 'string' ? r.displayName : r.value,
      description: typeof r.description === 'string' ? r.description : '',
      allowedMemberTypes: r.allowedMemberTypes.map(String),
      isEnabled: r.isEnabled !== false,
      origin: 'Application' as const,
    };
  });
  if (new Set(roles.map((r) => r.value)).size !== roles.length) throw badRequest('App role values must be unique.');
  return roles;
}

function applicationFields(b: Record<string, unknown>): Partial<Application> {
  const fields: Partial<Application> = {};
  if (b.displayName !== undefined) {
    if (typeof b.displayName !== 'string' || b.displayName === '') throw badRequest("Property 'displayName' must be a non-empty string.");
    fields.displayName = b.displayName;
  }
  if (b.description !== undefined) fields.description = typeof b.description === 'string' ? b.description : null;
  if (typeof b.signInAudience === 'string') fields.signInAudience = b.signInAudience;
  if (b.identifierUris !== undefined) {
    if (!Array.isArray(b.identifierUris) || b.identifierUris.some((u) => typeof u !== 'string')) throw badRequest("Property 'identifierUris' must be an array of strings.");
    fields.identifierUris = b.identifierUris as string[];
  }
  if (b.appRoles !== undefined) fields.appRoles = appRolesFrom(b.appRoles);
  if (b.api !== undefined) {
    const v = typeof b.api === 'object' && b.api !== null ? (b.api as Record<string, unknown>).requestedAccessTokenVersion : undefined;
    fields.api = { requestedAccessTokenVersion: v === 2 ? 2 : v === 1 ? 1 : null };
  }
  return fields;
}

function uniqueUris(ctx: GraphContext, uris: readonly string[] | undefined, except?: Application): void {
  for (const uri of uris ?? []) {
    const taken = [...ctx.state.apps.applications.values()].some((a) => a !== except && a.identifierUris.some((u) => u.toLowerCase() === uri.toLowerCase()));
    if (taken) throw badRequest('Another object with the same value for property identifierUris already exists.', 'Request_BadRequest');
  }
}

function requireApplication(ctx: GraphContext): Application {
  const app = ctx.state.apps.applications.get(ctx.params.id!.toLowerCase());
  if (!app) throw notFound(ctx.params.id!);
  return app;
}

function requirePrincipal(ctx: GraphContext, id = ctx.params.id!): ServicePrincipal {
  const sp = ctx.state.apps.servicePrincipal(id);
  if (!sp) throw notFound(id);
  return sp;
}

/** Every property of these entities is in Graph's default set. */
const keysOf = (items: readonly object[]): string[] => (items[0] === undefined ? [] : Object.keys(items[0]));

function listApplications(ctx: GraphContext): GraphResult {
  const items = [...ctx.state.apps.applications.values()];
  return listResult(ctx, { context: 'applications', items: items as unknown as Record<string, unknown>[], typeName: 'microsoft.graph.application', defaultSelect: keysOf(items) });
}

function createApplication(ctx: GraphContext): GraphResult {
  const fields = applicationFields(body(ctx));
  if (fields.displayName === undefined) throw badRequest("Property 'displayName' is required.");
  uniqueUris(ctx, fields.identifierUris);
  return { status: 201, body: entityOf(ctx, 'applications', ctx.state.apps.createApplication(fields, ctx.now)) };
}

function updateApplication(ctx: GraphContext): GraphResult {
  const app = requireApplication(ctx);
  const fields = applicationFields(body(ctx));
  uniqueUris(ctx, fields.identifierUris, app);
  if (fields.appRoles) {
    // Graph refuses to drop an enabled role in the same update: disable it first.
    for (const old of app.appRoles) {
      if (old.isEnabled && !fields.appRoles.some((r) => r.id === old.id)) throw badRequest('Property value cannot be deleted unless it is disabled first.', 'CannotDeleteOrUpdateEnabledEntitlement');
    }
  }
  ctx.state.apps.updateApplication(app, fields);
  return { status: 204 };
}

function listServicePrincipals(ctx: GraphContext): GraphResult {
  const items = [...ctx.state.apps.servicePrincipals.values()].map(({ resourceName: _, ...sp }) => sp);
  return listResult(ctx, { context: 'servicePrincipals', items: items, typeName: 'microsoft.graph.servicePrincipal', defaultSelect: keysOf(items) });
}

function getServicePrincipal(ctx: GraphContext): GraphResult {
  const { resourceName: _, ...sp } = requirePrincipal(ctx);
  return { status: 200, body: entityOf(ctx, 'servicePrincipals', sp) };
}

function createServicePrincipal(ctx: GraphContext): GraphResult {
  const appId = body(ctx).appId;
  if (typeof appId !== 'string') throw badRequest("Property 'appId' is required.");
  const app = [...ctx.state.apps.applications.values()].find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  if (!app) throw badRequest(`The appId '${appId}' of the service principal does not reference a valid application object.`, 'Request_BadRequest');
  if ([...ctx.state.apps.servicePrincipals.values()].some((sp) => sp.appId === app.appId)) {
    throw badRequest('The service principal cannot be created, updated, or restored because the service principal name is already in use.', 'Request_MultipleObjectsWithSameKeyValue');
  }
  const created = ctx.state.apps.createServicePrincipal(app);
  if (typeof body(ctx).appRoleAssignmentRequired === 'boolean') created.appRoleAssignmentRequired = body(ctx).appRoleAssignmentRequired as boolean;
  const { resourceName: _, ...sp } = created;
  return { status: 201, body: entityOf(ctx, 'servicePrincipals', sp) };
}

/** Only `appRoleAssignmentRequired` and `accountEnabled` are modelled. */
function updateServicePrincipal(ctx: GraphContext): GraphResult {
  const sp = requirePrincipal(ctx);
  const b = body(ctx);
  if (typeof b.appRoleAssignmentRequired === 'boolean') sp.appRoleAssignmentRequired = b.appRoleAssignmentRequired;
  if (typeof b.accountEnabled === 'boolean') sp.accountEnabled = b.accountEnabled;
  return { status: 204 };
}

function listAssignedTo(ctx: GraphContext): GraphResult {
  const items = ctx.state.apps.assignmentsTo(requirePrincipal(ctx));
  return listResult(ctx, { context: `servicePrincipals('${ctx.params.id}')/appRoleAssignedTo`, items: items as unknown as Record<string, unknown>[], typeName: 'microsoft.graph.appRoleAssignment', defaultSelect: keysOf(items) });
}

function assign(ctx: GraphContext): GraphResult {
  const resource = requirePrincipal(ctx);
  const b = body(ctx);
  const { principalId, resourceId, appRoleId } = b;
  if (typeof principalId !== 'string' || typeof appRoleId !== 'string') throw badRequest("Properties 'principalId' and 'appRoleId' are required.");
  if (typeof resourceId === 'string' && resourceId.toLowerCase() !== resource.id.toLowerCase()) throw badRequest("'resourceId' must be the service principal in the path.");
  const outcome = ctx.state.apps.assign(resource, principalId, appRoleId, ctx.now);
  if (outcome === 'no-principal') throw notFound(principalId);
  if (outcome === 'no-role') throw badRequest('Permission being assigned was not found on application', 'Request_BadRequest');
  if (outcome === 'exists') throw badRequest('Permission being assigned already exists on the object', 'Request_BadRequest');
  return { status: 201, body: entityOf(ctx, `servicePrincipals('${resource.id}')/appRoleAssignedTo`, outcome) };
}

function unassign(ctx: GraphContext): GraphResult {
  if (!ctx.state.apps.unassign(requirePrincipal(ctx), ctx.params.assignment!)) throw notFound(ctx.params.assignment!);
  return { status: 204 };
}

// Custom extensions (catalogs/{id}/customWorkflowExtensions). Not modelled: Entra's check that the
// Logic App exists and that the caller may use it (see azure-infra-facts, the known UI-link issue).
const extensionTypes = ['#microsoft.graph.accessPackageAssignmentRequestWorkflowExtension', '#microsoft.graph.accessPackageAssignmentWorkflowExtension'];

function requireCatalog(ctx: GraphContext) {
  const catalog = ctx.state.apps.catalogs.get(ctx.params.catalog!.toLowerCase());
  if (!catalog) throw notFound(ctx.params.catalog!);
  return catalog;
}

function extensionFields(b: Record<string, unknown>, existing?: CustomExtension): Omit<CustomExtension, 'id' | 'createdDateTime' | 'lastModifiedDateTime'> {
  const type = b['@odata.type'] ?? existing?.['@odata.type'];
  if (typeof type !== 'string' || !extensionTypes.includes(type)) throw badRequest(`'@odata.type' must be one of ${extensionTypes.join(', ')}.`);
  const displayName = b.displayName ?? existing?.displayName;
  if (typeof displayName !== 'string' || displayName === '') throw badRequest("Property 'displayName' is required.");
  const endpoint = (b.endpointConfiguration ?? existing?.endpointConfiguration) as Record<string, unknown> | null | undefined;
  if (endpoint?.['@odata.type'] !== '#microsoft.graph.logicAppTriggerEndpointConfiguration'
    || !['subscriptionId', 'resourceGroupName', 'logicAppWorkflowName'].every((k) => typeof endpoint[k] === 'string' && endpoint[k] !== '')) {
    throw badRequest("'endpointConfiguration' must be a logicAppTriggerEndpointConfiguration with subscriptionId, resourceGroupName and logicAppWorkflowName.");
  }
  const auth = (b.authenticationConfiguration ?? existing?.authenticationConfiguration) as Record<string, unknown> | null | undefined;
  if (typeof auth?.['@odata.type'] !== 'string') throw badRequest("'authenticationConfiguration' is required.");
  const pick = (key: 'clientConfiguration' | 'callbackConfiguration'): Record<string, unknown> | null =>
    (b[key] === undefined ? existing?.[key] ?? null : (b[key] as Record<string, unknown> | null));
  return {
    '@odata.type': type,
    displayName,
    description: typeof b.description === 'string' ? b.description : existing?.description ?? null,
    endpointConfiguration: endpoint,
    authenticationConfiguration: auth,
    clientConfiguration: pick('clientConfiguration'),
    callbackConfiguration: pick('callbackConfiguration'),
  };
}

function listExtensions(ctx: GraphContext): GraphResult {
  const items = [...requireCatalog(ctx).extensions.values()];
  return listResult(ctx, { context: 'customCalloutExtensions', items: items as unknown as Record<string, unknown>[], typeName: 'microsoft.graph.customCalloutExtension', defaultSelect: keysOf(items) });
}

function createExtension(ctx: GraphContext): GraphResult {
  const catalog = requireCatalog(ctx);
  const fields = extensionFields(body(ctx));
  const at = ctx.now.toISOString();
  const extension: CustomExtension = { ...fields, id: randomUUID(), createdDateTime: at, lastModifiedDateTime: at };
  catalog.extensions.set(extension.id, extension);
  return { status: 201, body: entityOf(ctx, 'customCalloutExtensions', extension) };
}

function updateExtension(ctx: GraphContext): GraphResult {
  const catalog = requireCatalog(ctx);
  const existing = catalog.extensions.get(ctx.params.id!.toLowerCase());
  if (!existing) throw notFound(ctx.params.id!);
  const updated: CustomExtension = { ...existing, ...extensionFields(body(ctx), existing), lastModifiedDateTime: ctx.now.toISOString() };
  catalog.extensions.set(existing.id, updated);
  return { status: 200, body: entityOf(ctx, 'customCalloutExtensions', updated) };
}

const extensions = '/identityGovernance/entitlementManagement/catalogs/{catalog}/customWorkflowExtensions';

export const applicationRoutes: GraphRoute[] = [
  { method: 'GET', path: '/applications', versions: v1, permissions: appRead, handle: listApplications },
  { method: 'POST', path: '/applications', versions: v1, permissions: appWrite, handle: createApplication },
  { method: 'PATCH', path: '/applications/{id}', versions: v1, permissions: appWrite, handle: updateApplication },
  { method: 'GET', path: '/servicePrincipals', versions: v1, permissions: appRead, handle: listServicePrincipals },
  { method: 'POST', path: '/servicePrincipals', versions: v1, permissions: appWrite, handle: createServicePrincipal },
  { method: 'GET', path: '/servicePrincipals/{id}', versions: v1, permissions: appRead, handle: getServicePrincipal },
  { method: 'PATCH', path: '/servicePrincipals/{id}', versions: v1, permissions: appWrite, handle: updateServicePrincipal },
  { method: 'GET', path: '/servicePrincipals/{id}/appRoleAssignedTo', versions: v1, permissions: assignmentRead, handle: listAssignedTo },
  { method: 'POST', path: '/servicePrincipals/{id}/appRoleAssignedTo', versions: v1, permissions: assignmentWrite, handle: assign },
  { method: 'DELETE', path: '/servicePrincipals/{id}/appRoleAssignedTo/{assignment}', versions: v1, permissions: assignmentWrite, handle: unassign },
  { method: 'GET', path: extensions, versions: v1, permissions: extensionRead, handle: listExtensions },
  { method: 'POST', path: extensions, versions: v1, permissions: extensionWrite, handle: createExtension },
  { method: 'PUT', path: `${extensions}/{id}`, versions: v1, permissions: extensionWrite, handle: updateExtension },
];
