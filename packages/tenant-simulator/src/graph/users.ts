import type { Directory, User } from '../directory/org.js';
import { bothVersions, odataContext, type GraphContext, type GraphRoute, type GraphVersion } from './context.js';
import { createHash } from 'node:crypto';
import { badRequest, notFound } from './errors.js';
import { listResult } from './list.js';
import { applySelect } from './select.js';

export const userReadPermissions = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const memberOfPermissions = ['GroupMember.Read.All', 'Group.Read.All', 'User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];

/** Properties Graph v1.0 returns when no `$select` is given; beta returns everything. */
export const userDefaultSelect = ['businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName', 'id'];

export function userEntity(u: User): Record<string, unknown> {
  return {
    id: u.id,
    accountEnabled: u.accountEnabled,
    businessPhones: u.businessPhones,
    createdDateTime: u.createdDateTime,
    creationType: u.creationType,
    department: u.department,
    displayName: u.displayName,
    employeeId: u.employeeId,
    externalUserState: u.creationType === 'Invitation' ? 'Accepted' : null,
    givenName: u.givenName,
    jobTitle: u.jobTitle,
    mail: u.mail,
    mailNickname: u.userPrincipalName.split('@')[0],
    mobilePhone: u.mobilePhone,
    officeLocation: u.officeLocation,
    preferredLanguage: null,
    surname: u.surname,
    userPrincipalName: u.userPrincipalName,
    userType: u.userType,
  };
}

function defaultFor(version: GraphVersion): string[] {
  return version === 'beta' ? Object.keys(userEntity(placeholderUser)) : userDefaultSelect;
}

export function requireUser(dir: Directory, ref: string): User {
  const u = dir.findUser(ref);
  if (!u) throw notFound(ref);
  return u;
}

/** `$expand=manager` or `manager($select=a,b)`; the only expansion tapline might use. */
function expandManager(ctx: GraphContext, user: User, out: Record<string, unknown>): void {
  const expand = ctx.query.get('$expand');
  if (!expand) return;
  const m = /^\s*manager(?:\(\s*\$select=([^)]*)\))?\s*$/i.exec(expand);
  if (!m) throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${expand.split('(')[0]}' on type 'microsoft.graph.user'.`);
  const manager = user.managerId ? ctx.state.directory.users.get(user.managerId) : undefined;
  out.manager = manager
    ? { '@odata.type': '#microsoft.graph.user', ...applySelect(userEntity(manager), m[1] ?? null, 'microsoft.graph.user', defaultFor(ctx.version)) }
    : null;
}

function getUser(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const body = {
    '@odata.context': odataContext(ctx.version, ctx.query.has('$select') ? `users(${ctx.query.get('$select')})/$entity` : 'users/$entity'),
    ...applySelect(userEntity(user), ctx.query.get('$select'), 'microsoft.graph.user', defaultFor(ctx.version)),
  };
  expandManager(ctx, user, body);
  return { status: 200, body };
}

function getManager(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const manager = user.managerId ? ctx.state.directory.users.get(user.managerId) : undefined;
  if (!manager) throw notFound('manager');
  return {
    status: 200,
    body: {
      '@odata.context': odataContext(ctx.version, 'directoryObjects/$entity'),
      '@odata.type': '#microsoft.graph.user',
      ...applySelect(userEntity(manager), ctx.query.get('$select'), 'microsoft.graph.user', defaultFor(ctx.version)),
    },
  };
}

function listDirectReports(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const items = ctx.state.directory.directReportsOf(user.id).map((u) => ({ '@odata.type': '#microsoft.graph.user', ...userEntity(u) }));
  return listResult(ctx, { context: 'directoryObjects', items, typeName: 'microsoft.graph.user', defaultSelect: defaultFor(ctx.version) });
}

function listUsers(ctx: GraphContext) {
  const items = [...ctx.state.directory.users.values()].map(userEntity);
  return listResult(ctx, { context: 'users', items, typeName: 'microsoft.graph.user', defaultSelect: defaultFor(ctx.version) });
}

/** Groups (nested included) and the directory roles those memberships activate. */
function listTransitiveMemberOf(groupsOnly: boolean) {
  return (ctx: GraphContext) => {
    const dir = ctx.state.directory;
    const user = requireUser(dir, ctx.params.user!);
    const groups = dir.transitiveGroupsOf(user.id).map((g) => ({
      '@odata.type': '#microsoft.graph.group',
      id: g.id,
      displayName: g.displayName,
      securityEnabled: g.securityEnabled,
      mailEnabled: false,
      groupTypes: [],
      isAssignableToRole: g.isAssignableToRole,
    }));
    const roles = groupsOnly ? [] : [...new Set(dir.transitiveAssignmentsOf(user.id).map((a) => a.roleDefinitionId))].map((roleTemplateId) => ({
      '@odata.type': '#microsoft.graph.directoryRole',
      id: tenantScopedId(dir.tenantId, roleTemplateId),
      displayName: dir.roleName(roleTemplateId),
      roleTemplateId,
    }));
    return listResult(ctx, {
      context: groupsOnly ? 'groups' : 'directoryObjects',
      items: [...groups, ...roles],
      typeName: groupsOnly ? 'microsoft.graph.group' : 'microsoft.graph.directoryObject',
      defaultSelect: ['id', 'displayName'],
    });
  };
}

export const userRoutes: GraphRoute[] = [
  { method: 'GET', path: '/users', versions: bothVersions, permissions: userReadPermissions, baseCost: 2, handle: listUsers },
  { method: 'GET', path: '/users/{user}', versions: bothVersions, permissions: userReadPermissions, handle: getUser },
  { method: 'GET', path: '/users/{user}/manager', versions: bothVersions, permissions: userReadPermissions, handle: getManager },
  { method: 'GET', path: '/users/{user}/directReports', versions: bothVersions, permissions: userReadPermissions, handle: listDirectReports },
  { method: 'GET', path: '/users/{user}/transitiveMemberOf', versions: bothVersions, permissions: memberOfPermissions, baseCost: 2, handle: listTransitiveMemberOf(false) },
  { method: 'GET', path: '/users/{user}/transitiveMemberOf/microsoft.graph.group', versions: bothVersions, permissions: memberOfPermissions, baseCost: 2, handle: listTransitiveMemberOf(true) },
];

const placeholderUser: User = {
  id: '', userPrincipalName: '', displayName: '', givenName: null, surname: null, mail: null, jobTitle: null, department: null,
  officeLocation: null, employeeId: null, accountEnabled: true, userType: 'Member', creationType: null, mobilePhone: null,
  businessPhones: [], phoneMethods: {}, managerId: null, createdDateTime: '',
};


/** Activated directory roles have tenant-specific object ids; derive a stable one. */
function tenantScopedId(tenantId: string, templateId: string): string {
  const h = createHash('sha1').update(`${tenantId}/${templateId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
