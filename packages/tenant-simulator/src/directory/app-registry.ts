import { createHash, randomUUID } from 'node:crypto';
import type { FixtureApp, FixtureCatalog, FixtureResource } from '../fixture/types.js';

/**
 * Entra's application objects as Graph shows them: applications, service principals (one per
 * fixture resource and app, plus those created through Graph), the app roles they define and the
 * app-role assignments between them, and entitlement-management catalogs with their custom
 * extensions. Assignments are the fixture's `apps[].roles` seen from Graph: assigning a role adds
 * it to the app's grants, so the next token the app gets carries it, as in Entra.
 */

export interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: 'Application';
}

export interface Application {
  id: string;
  appId: string;
  displayName: string;
  description: string | null;
  signInAudience: string;
  identifierUris: string[];
  appRoles: AppRole[];
  api: { requestedAccessTokenVersion: number | null };
  createdDateTime: string;
}

export interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application' | 'ManagedIdentity';
  accountEnabled: boolean;
  appRoleAssignmentRequired: boolean;
  servicePrincipalNames: string[];
  appRoles: AppRole[];
  /** The resource name tokens use for this principal's roles (fixture `resources[].name`). */
  resourceName?: string;
}

export interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  deletedDateTime: null;
  principalDisplayName: string;
  principalId: string;
  principalType: 'ServicePrincipal';
  resourceDisplayName: string;
  resourceId: string;
}

export interface CustomExtension {
  '@odata.type': string;
  id: string;
  displayName: string;
  description: string | null;
  createdDateTime: string;
  lastModifiedDateTime: string;
  endpointConfiguration: Record<string, unknown> | null;
  authenticationConfiguration: Record<string, unknown> | null;
  clientConfiguration: Record<string, unknown> | null;
  callbackConfiguration: Record<string, unknown> | null;
}

/** A GUID derived from a name, so the same fixture always shows the same ids (not Entra's ids). */
export function stableGuid(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const graphAppId = '00000003-0000-0000-c000-000000000000';

function appRole(resourceAppId: string, value: string): AppRole {
  return {
    id: stableGuid(`app-role:${resourceAppId}:${value}`),
    value,
    displayName: value,
    description: `Allows the app to ${value}`,
    allowedMemberTypes: ['Application'],
    isEnabled: true,
    origin: 'Application',
  };
}

export class AppRegistry {
  readonly applications = new Map<string, Application>();
  readonly servicePrincipals = new Map<string, ServicePrincipal>();
  readonly catalogs = new Map<string, { id: string; displayName: string; extensions: Map<string, CustomExtension> }>();
  private readonly assignedAt = new Map<string, string>();

  /**
   * `apps` and `resources` are the token issuer's own lists: a service principal created here for
   * a new application is added to `resources`, and assignments change `apps[].roles`.
   */
  constructor(
    private readonly apps: FixtureApp[],
    private readonly resources: FixtureResource[],
    catalogs: readonly FixtureCatalog[],
    private readonly startedAt: Date,
    /** Every permission Graph knows of here (the routes' lists): the Graph principal's app roles. */
    graphPermissions: readonly string[],
  ) {
    for (const resource of resources) {
      const values = new Set(resource.appRoles ?? []);
      if (resource.appId === graphAppId) for (const p of graphPermissions) values.add(p);
      for (const app of apps) for (const v of app.roles?.[resource.name] ?? []) values.add(v);
      const sp: ServicePrincipal = {
        id: stableGuid(`service-principal:${resource.appId}`),
        appId: resource.appId,
        displayName: resource.appId === graphAppId ? 'Microsoft Graph' : resource.name,
        servicePrincipalType: 'Application',
        accountEnabled: true,
        appRoleAssignmentRequired: false,
        servicePrincipalNames: [resource.appId, ...resource.identifierUris],
        appRoles: [...values].sort().map((v) => appRole(resource.appId, v)),
        resourceName: resource.name,
      };
      this.servicePrincipals.set(sp.id, sp);
    }
    for (const app of apps) {
      if ([...this.servicePrincipals.values()].some((sp) => sp.appId === app.appId)) continue;
      this.servicePrincipals.set(app.servicePrincipalId, {
        id: app.servicePrincipalId,
        appId: app.appId,
        displayName: app.displayName ?? app.name,
        servicePrincipalType: app.managedIdentity ? 'ManagedIdentity' : 'Application',
        accountEnabled: true,
        appRoleAssignmentRequired: false,
        servicePrincipalNames: [app.appId],
        appRoles: [],
      });
    }
    for (const c of catalogs) this.catalogs.set(c.id.toLowerCase(), { id: c.id, displayName: c.displayName, extensions: new Map() });
  }

  servicePrincipal(id: string): ServicePrincipal | undefined {
    return this.servicePrincipals.get(id.toLowerCase()) ?? [...this.servicePrincipals.values()].find((sp) => sp.id.toLowerCase() === id.toLowerCase());
  }

  private appOf(principalId: string): FixtureApp | undefined {
    return this.apps.find((a) => a.servicePrincipalId.toLowerCase() === principalId.toLowerCase());
  }

  /** Assignments granted on `resource` (a service principal that defines app roles). */
  assignmentsTo(resource: ServicePrincipal): AppRoleAssignment[] {
    const out: AppRoleAssignment[] = [];
    if (resource.resourceName === undefined) return out;
    for (const app of this.apps) {
      for (const value of app.roles?.[resource.resourceName] ?? []) {
        const role = resource.appRoles.find((r) => r.value === value);
        if (role) out.push(this.assignment(app, resource, role));
      }
    }
    return out;
  }

  private assignment(app: FixtureApp, resource: ServicePrincipal, role: AppRole): AppRoleAssignment {
    const id = createHash('sha256').update(`${app.servicePrincipalId}|${resource.id}|${role.id}`).digest('base64url').slice(0, 43);
    return {
      id,
      appRoleId: role.id,
      createdDateTime: this.assignedAt.get(id) ?? this.startedAt.toISOString(),
      deletedDateTime: null,
      principalDisplayName: this.servicePrincipal(app.servicePrincipalId)?.displayName ?? app.name,
      principalId: app.servicePrincipalId,
      principalType: 'ServicePrincipal',
      resourceDisplayName: resource.displayName,
      resourceId: resource.id,
    };
  }

  /** Grants the role; `undefined` when the principal is unknown, 'exists' when already granted. */
  assign(resource: ServicePrincipal, principalId: string, appRoleId: string, now: Date): AppRoleAssignment | 'exists' | 'no-principal' | 'no-role' {
    const app = this.appOf(principalId);
    if (!app) return 'no-principal';
    const role = resource.appRoles.find((r) => r.id.toLowerCase() === appRoleId.toLowerCase());
    if (!role || resource.resourceName === undefined) return 'no-role';
    const granted = (app.roles ??= {})[resource.resourceName] ??= [];
    if (granted.includes(role.value)) return 'exists';
    granted.push(role.value);
    const created = this.assignment(app, resource, role);
    this.assignedAt.set(created.id, now.toISOString());
    return { ...created, createdDateTime: now.toISOString() };
  }

  unassign(resource: ServicePrincipal, assignmentId: string): boolean {
    const found = this.assignmentsTo(resource).find((a) => a.id === assignmentId);
    if (!found || resource.resourceName === undefined) return false;
    const app = this.appOf(found.principalId)!;
    const value = resource.appRoles.find((r) => r.id === found.appRoleId)!.value;
    app.roles![resource.resourceName] = app.roles![resource.resourceName]!.filter((v) => v !== value);
    return true;
  }

  createApplication(fields: Partial<Application>, now: Date): Application {
    const app: Application = {
      id: randomUUID(),
      appId: randomUUID(),
      displayName: fields.displayName ?? '',
      description: fields.description ?? null,
      signInAudience: fields.signInAudience ?? 'AzureADMyOrg',
      identifierUris: fields.identifierUris ?? [],
      appRoles: (fields.appRoles ?? []).map((r) => ({ ...r, origin: 'Application' as const })),
      api: { requestedAccessTokenVersion: fields.api?.requestedAccessTokenVersion ?? null },
      createdDateTime: now.toISOString(),
    };
    this.applications.set(app.id, app);
    return app;
  }

  updateApplication(app: Application, fields: Partial<Application>): void {
    if (fields.displayName !== undefined) app.displayName = fields.displayName;
    if (fields.description !== undefined) app.description = fields.description;
    if (fields.identifierUris !== undefined) app.identifierUris = fields.identifierUris;
    if (fields.appRoles !== undefined) app.appRoles = fields.appRoles.map((r) => ({ ...r, origin: 'Application' as const }));
    if (fields.api?.requestedAccessTokenVersion !== undefined) app.api = { requestedAccessTokenVersion: fields.api.requestedAccessTokenVersion };
    const sp = [...this.servicePrincipals.values()].find((s) => s.appId === app.appId);
    if (sp) this.syncPrincipal(sp, app);
  }

  /** The service principal of an application created here: tokens can then be issued for it. */
  createServicePrincipal(app: Application): ServicePrincipal {
    const sp: ServicePrincipal = {
      id: randomUUID(),
      appId: app.appId,
      displayName: app.displayName,
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appRoleAssignmentRequired: false,
      servicePrincipalNames: [],
      appRoles: [],
      resourceName: `app:${app.appId}`,
    };
    this.servicePrincipals.set(sp.id, sp);
    this.resources.push({ name: sp.resourceName!, appId: app.appId, identifierUris: [], accessTokenVersion: 1, appRoles: [] });
    this.syncPrincipal(sp, app);
    return sp;
  }

  private syncPrincipal(sp: ServicePrincipal, app: Application): void {
    sp.displayName = app.displayName;
    sp.appRoles = app.appRoles.filter((r) => r.isEnabled);
    sp.servicePrincipalNames = [app.appId, ...app.identifierUris];
    const resource = this.resources.find((r) => r.name === sp.resourceName);
    if (resource) {
      resource.identifierUris = [...app.identifierUris];
      resource.accessTokenVersion = app.api.requestedAccessTokenVersion === 2 ? 2 : 1;
      resource.appRoles = sp.appRoles.map((r) => r.value);
    }
  }
}
