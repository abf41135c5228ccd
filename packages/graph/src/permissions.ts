import type { AssignmentRequests, Directory, DirectoryChangeFeed, EntitlementManagement, TapIssuer } from './ports.js';

/**
 * The Microsoft Graph application permissions (app roles) each adapter method calls Graph with:
 * the least privileged one Graph's reference lists for the call, except where one permission the
 * service needs anyway also covers the call (noted). The compiler holds the table complete: a new
 * port method does not compile until its permission is declared here. The deployment grants each
 * service's managed identity exactly `graphAppRolesFor(...)` of the methods it uses, and the
 * tests prove each declaration against the tenant simulator (enough, and each one needed).
 */
type PermissionsOf<Port> = { readonly [Method in keyof Port]: readonly string[] };

export interface GraphPermissionTable {
  readonly directory: PermissionsOf<Directory>;
  readonly tapIssuer: PermissionsOf<TapIssuer>;
  readonly entitlement: PermissionsOf<EntitlementManagement>;
  readonly assignmentRequests: PermissionsOf<AssignmentRequests>;
  readonly changes: PermissionsOf<DirectoryChangeFeed>;
}

export const GRAPH_PERMISSIONS: GraphPermissionTable = {
  directory: {
    getUser: ['User.Read.All'],
    managerChain: ['User.Read.All'],
    // transitiveRoleAssignments (beta): RoleManagement.Read.Directory.
    activeRoleCount: ['RoleManagement.Read.Directory'],
    // roleEligibilityScheduleInstances: RoleEligibilitySchedule.Read.Directory would do alone, but
    // RoleManagement.Read.Directory (needed above) covers it: one grant instead of two.
    eligibleRoleCount: ['RoleManagement.Read.Directory'],
    groupMemberships: ['GroupMember.Read.All'],
    // phoneMethods and the user's mail attribute.
    contacts: ['UserAuthenticationMethod.Read.All', 'User.Read.All'],
  },
  tapIssuer: {
    policy: ['Policy.Read.AuthenticationMethod'],
    create: ['UserAuthenticationMethod.ReadWrite.All'],
  },
  entitlement: {
    resume: ['EntitlementManagement.ReadWrite.All'],
  },
  assignmentRequests: {
    // Check 0's read of the request the call-out names: the least privileged permission for it.
    get: ['EntitlementManagement.Read.All'],
  },
  changes: {
    // The directory watch: users/delta with manager and mail.
    deltaRound: ['User.Read.All'],
    // The quarantine's tenant-wide audit read (manager, mail and phone-method changes).
    auditChanges: ['AuditLog.Read.All'],
  },
};

/** Which methods of which adapters a service calls: `'all'` or a list of method names. */
export type GraphUsage = {
  readonly [Adapter in keyof GraphPermissionTable]?: 'all' | readonly (keyof GraphPermissionTable[Adapter])[];
};

/** `X.ReadWrite.Y` includes `X.Read.Y`: granting both would be one grant too many. */
function impliedBy(permission: string, granted: ReadonlySet<string>): boolean {
  const m = /^(.+)\.Read\.(.+)$/.exec(permission);
  return m !== null && granted.has(`${m[1]}.ReadWrite.${m[2]}`);
}

/** The app roles a service's identity needs for the adapter methods it uses: sorted, none implied by another. */
export function graphAppRolesFor(usage: GraphUsage, table: GraphPermissionTable = GRAPH_PERMISSIONS): string[] {
  const all = new Set<string>();
  for (const adapter of Object.keys(usage) as (keyof GraphPermissionTable)[]) {
    const methods: Record<string, readonly string[]> = table[adapter];
    const used = usage[adapter] === 'all' ? Object.keys(methods) : (usage[adapter] as readonly string[]);
    for (const method of used) for (const p of methods[method] ?? []) all.add(p);
  }
  return [...all].filter((p) => !impliedBy(p, all)).sort();
}
