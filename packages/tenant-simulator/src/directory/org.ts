import { randomUUID } from 'node:crypto';
import { FixtureError } from '../fixture/load.js';
import type { FixturePhoneMethods, FixtureRoleDefinition, FixtureTapPolicy, FixtureUser, OrgFixture } from '../fixture/types.js';
import { AuditLog, type AuditActor, type AuditTarget } from './audit-log.js';
import { ChangeLog } from './change-log.js';
import { builtInRoleDefinitions } from './role-definitions.js';

export interface User {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  jobTitle: string | null;
  department: string | null;
  officeLocation: string | null;
  employeeId: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  creationType: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  phoneMethods: FixturePhoneMethods;
  managerId: string | null;
  createdDateTime: string;
}

export interface Group {
  id: string;
  displayName: string;
  isAssignableToRole: boolean;
  securityEnabled: boolean;
  /** Direct member ids (users or groups). */
  memberIds: string[];
}

export interface RoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
}

export interface RoleEligibility {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  startDateTime: string;
}

/** Graph's own wording for an external (B2B) guest: invited, or a `#EXT#` UPN. */
export function isExternalGuest(user: User): boolean {
  return user.userType === 'Guest' && (user.creationType === 'Invitation' || user.userPrincipalName.includes('#EXT#'));
}

/**
 * The tenant's directory: users, groups, roles, PIM eligibility and the audit log, built from a
 * fixture. Mutations (manager, accountEnabled) write audit entries the way Entra would.
 */
export class Directory {
  readonly tenantId: string;
  readonly tenantDisplayName: string;
  readonly domains: string[];
  readonly users = new Map<string, User>();
  readonly groups = new Map<string, Group>();
  readonly roleDefinitions: FixtureRoleDefinition[];
  readonly roleAssignments: RoleAssignment[] = [];
  readonly roleEligibilities: RoleEligibility[] = [];
  readonly audit = new AuditLog();
  /** What `users/delta` reports: every user mutation, numbered (the state tokens carry the number). */
  readonly changes = new ChangeLog();
  /** Deleted users (soft delete: `@removed` reason "changed" in delta), by id. */
  readonly deletedUsers = new Map<string, User>();
  tapPolicy: FixtureTapPolicy & { excludeGroupIds: string[] };

  constructor(fixture: OrgFixture, startedAt: Date) {
    this.tenantId = fixture.tenant.id.toLowerCase();
    this.tenantDisplayName = fixture.tenant.displayName;
    this.domains = fixture.tenant.domains.map((d) => d.toLowerCase());
    this.roleDefinitions = [...builtInRoleDefinitions, ...(fixture.roleDefinitions ?? [])];
    const created = new Date(startedAt.getTime() - 400 * 24 * 3600_000).toISOString();
    for (const u of fixture.users) this.users.set(u.id.toLowerCase(), toUser(u, created));
    for (const g of fixture.groups) {
      this.groups.set(g.id.toLowerCase(), {
        id: g.id.toLowerCase(),
        displayName: g.displayName,
        isAssignableToRole: g.isAssignableToRole ?? false,
        securityEnabled: g.securityEnabled ?? true,
        memberIds: [],
      });
    }
    // Second pass: references can point forward.
    for (const g of fixture.groups) {
      const group = this.groups.get(g.id.toLowerCase())!;
      group.memberIds = g.members.map((ref) => this.mustResolvePrincipal(ref, `group "${g.displayName}" member`));
      for (const role of g.roles ?? []) this.addAssignment(group.id, this.mustResolveRole(role));
    }
    for (const u of fixture.users) {
      const user = this.users.get(u.id.toLowerCase())!;
      if (u.manager) user.managerId = this.mustResolveUser(u.manager, `manager of ${u.userPrincipalName}`).id;
      for (const role of u.directRoles ?? []) this.addAssignment(user.id, this.mustResolveRole(role));
      for (const role of u.eligibleRoles ?? []) {
        this.roleEligibilities.push({
          id: randomUUID(),
          principalId: user.id,
          roleDefinitionId: this.mustResolveRole(role),
          startDateTime: created,
        });
      }
    }
    // Manager changes in the fixture become audit entries relative to the start time.
    for (const u of fixture.users) {
      if (!u.managerChange) continue;
      const user = this.users.get(u.id.toLowerCase())!;
      const previous = u.managerChange.previous ? this.mustResolveUser(u.managerChange.previous, 'managerChange.previous') : null;
      const changedBy = u.managerChange.changedBy
        ? this.mustResolveUser(u.managerChange.changedBy, 'managerChange.changedBy')
        : (user.managerId ? this.users.get(user.managerId) ?? null : null);
      const at = new Date(startedAt.getTime() - u.managerChange.minutesAgo * 60_000);
      this.recordManagerChange(user, previous?.id ?? null, user.managerId, at, changedBy ? { user: actorOf(changedBy) } : {});
    }
    this.tapPolicy = {
      ...fixture.tapPolicy,
      excludeGroupIds: (fixture.tapPolicy.excludeGroups ?? []).map((ref) => this.mustResolveGroup(ref, 'tapPolicy.excludeGroups')),
    };
  }

  /** A user by object id, userPrincipalName (case-insensitive) or mailNickname. */
  findUser(ref: string): User | undefined {
    const key = ref.toLowerCase();
    const byId = this.users.get(key);
    if (byId) return byId;
    for (const u of this.users.values()) {
      const upn = u.userPrincipalName.toLowerCase();
      if (upn === key || upn.split('@')[0] === key) return u;
    }
    return undefined;
  }

  findGroup(ref: string): Group | undefined {
    const key = ref.toLowerCase();
    return this.groups.get(key) ?? [...this.groups.values()].find((g) => g.displayName.toLowerCase() === key);
  }

  directReportsOf(userId: string): User[] {
    return [...this.users.values()].filter((u) => u.managerId === userId);
  }

  /** Groups the principal belongs to, directly or through nested groups (breadth-first). */
  transitiveGroupsOf(principalId: string): Group[] {
    const found = new Map<string, Group>();
    const queue = [principalId];
    while (queue.length > 0) {
      const id = queue.shift()!;
      for (const g of this.groups.values()) {
        if (g.memberIds.includes(id) && !found.has(g.id)) {
          found.set(g.id, g);
          queue.push(g.id);
        }
      }
    }
    return [...found.values()];
  }

  /** Active assignments whose principal is the user or one of its (role-assignable) groups. */
  transitiveAssignmentsOf(principalId: string): RoleAssignment[] {
    const principals = new Set([principalId, ...this.transitiveGroupsOf(principalId).map((g) => g.id)]);
    return this.roleAssignments.filter((a) => principals.has(a.principalId));
  }

  roleName(roleDefinitionId: string): string {
    return this.roleDefinitions.find((r) => r.id === roleDefinitionId)?.displayName ?? roleDefinitionId;
  }

  setManager(user: User, managerId: string | null, actor: AuditActor, at = new Date()): void {
    const previous = user.managerId;
    user.managerId = managerId;
    this.changes.record(user.id, { managerFrom: previous });
    this.recordManagerChange(user, previous, managerId, at, actor);
  }

  setAccountEnabled(user: User, enabled: boolean, actor: AuditActor, at = new Date()): void {
    const previous = user.accountEnabled;
    user.accountEnabled = enabled;
    this.changes.record(user.id);
    this.recordUserUpdate(user, 'AccountEnabled', JSON.stringify([previous]), JSON.stringify([enabled]), at, actor);
  }

  /** The mail attribute, as an admin (or sync) sets it: an "Update user" entry naming "Mail". */
  setMail(user: User, mail: string | null, actor: AuditActor, at = new Date()): void {
    const previous = user.mail;
    user.mail = mail;
    this.changes.record(user.id);
    this.recordUserUpdate(user, 'Mail', JSON.stringify(previous ? [previous] : []), JSON.stringify(mail ? [mail] : []), at, actor);
  }

  /**
   * A phone authentication method registered (or replaced): Entra logs "User registered security
   * info" (by the user) or "Admin registered security info" (by an admin or app), service
   * "Authentication Methods", naming the method but never the number. Not in users/delta: phone
   * methods are not user properties.
   */
  registerPhoneMethod(user: User, type: keyof FixturePhoneMethods, number: string | null, actor: AuditActor, at = new Date()): void {
    if (number === null) delete user.phoneMethods[type];
    else user.phoneMethods[type] = number;
    this.audit.add({
      activityDisplayName: actor.user?.id === user.id ? 'User registered security info' : 'Admin registered security info',
      category: 'UserManagement',
      loggedByService: 'Authentication Methods',
      operationType: number === null ? 'Delete' : 'Add',
      at,
      actor,
      targets: [userTarget(user, [])],
      additionalDetails: [{ key: 'Method', value: PHONE_METHOD_NAMES[type] }],
    });
  }

  /** Soft delete: the user leaves every listing and delta reports it `@removed` (reason "changed"). */
  deleteUser(user: User, actor: AuditActor, at = new Date()): void {
    this.users.delete(user.id);
    this.deletedUsers.set(user.id, user);
    for (const report of this.directReportsOf(user.id)) this.setManager(report, null, actor, at);
    this.changes.record(user.id, { deleted: true });
    this.audit.add({
      activityDisplayName: 'Delete user', category: 'UserManagement', loggedByService: 'Core Directory', operationType: 'Delete', at, actor,
      targets: [userTarget(user, [])],
    });
  }

  /**
   * Best guess at the entry Entra writes when a manager changes: an "Update user" whose modified
   * properties name "Manager" (older docs also list a "Set user manager" activity).
   */
  private recordManagerChange(user: User, previous: string | null, next: string | null, at: Date, actor: AuditActor): void {
    this.recordUserUpdate(user, 'Manager', JSON.stringify(previous ? [previous] : []), JSON.stringify(next ? [next] : []), at, actor);
  }

  /** The "Update user" audit entry for one modified property (values as Entra writes them: JSON arrays). */
  private recordUserUpdate(user: User, property: string, oldValue: string, newValue: string, at: Date, actor: AuditActor): void {
    this.audit.add({
      activityDisplayName: 'Update user',
      category: 'UserManagement',
      loggedByService: 'Core Directory',
      operationType: 'Update',
      at,
      actor,
      targets: [userTarget(user, [
        { displayName: property, oldValue, newValue },
        { displayName: 'Included Updated Properties', oldValue: null, newValue: JSON.stringify(property) },
      ])],
    });
  }

  private addAssignment(principalId: string, roleDefinitionId: string): void {
    this.roleAssignments.push({ id: assignmentId(roleDefinitionId, principalId), principalId, roleDefinitionId });
  }

  private mustResolveUser(ref: string, where: string): User {
    const u = this.findUser(ref);
    if (!u) throw new FixtureError(`${where}: no user "${ref}"`);
    return u;
  }

  private mustResolveGroup(ref: string, where: string): string {
    const g = this.findGroup(ref);
    if (!g) throw new FixtureError(`${where}: no group "${ref}"`);
    return g.id;
  }

  private mustResolvePrincipal(ref: string, where: string): string {
    const found = this.findUser(ref)?.id ?? this.findGroup(ref)?.id;
    if (!found) throw new FixtureError(`${where}: no user or group "${ref}"`);
    return found;
  }

  private mustResolveRole(ref: string): string {
    const key = ref.toLowerCase();
    const r = this.roleDefinitions.find((d) => d.id === key || d.displayName.toLowerCase() === key);
    if (!r) throw new FixtureError(`unknown role "${ref}" (add it to roleDefinitions)`);
    return r.id;
  }
}

const PHONE_METHOD_NAMES: Record<keyof FixturePhoneMethods, string> = {
  mobile: 'Mobile Phone',
  alternateMobile: 'Alternate Mobile Phone',
  office: 'Office Phone',
};

export function actorOf(user: User): NonNullable<AuditActor['user']> {
  return { id: user.id, displayName: user.displayName, userPrincipalName: user.userPrincipalName };
}

export function userTarget(user: User, modifiedProperties: AuditTarget['modifiedProperties']): AuditTarget {
  return {
    id: user.id,
    displayName: user.displayName,
    type: 'User',
    userPrincipalName: user.userPrincipalName,
    groupType: null,
    modifiedProperties,
  };
}

function toUser(u: FixtureUser, createdDateTime: string): User {
  return {
    id: u.id.toLowerCase(),
    userPrincipalName: u.userPrincipalName,
    displayName: u.displayName,
    givenName: u.givenName ?? null,
    surname: u.surname ?? null,
    mail: u.mail ?? null,
    jobTitle: u.jobTitle ?? null,
    department: u.department ?? null,
    officeLocation: u.officeLocation ?? null,
    employeeId: u.employeeId ?? null,
    accountEnabled: u.accountEnabled ?? true,
    userType: u.userType ?? 'Member',
    creationType: u.creationType ?? null,
    mobilePhone: u.mobilePhone ?? null,
    businessPhones: u.businessPhones ?? [],
    phoneMethods: u.phoneMethods ?? {},
    managerId: null,
    createdDateTime,
  };
}

/** Shaped like Graph's role assignment ids (base64url of the two GUIDs' bytes, "-1"); stable per pair. */
function assignmentId(roleDefinitionId: string, principalId: string): string {
  const bytes = (g: string) => Buffer.from(g.replaceAll('-', ''), 'hex');
  return `${Buffer.concat([bytes(roleDefinitionId), bytes(principalId)]).toString('base64url')}-1`;
}
