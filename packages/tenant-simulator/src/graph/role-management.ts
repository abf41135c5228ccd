import type { RoleAssignment } from '../directory/org.js';
import { bothVersions, type GraphContext, type GraphRoute } from './context.js';
import { badRequest, GraphError } from './errors.js';
import { filterItems, listResult } from './list.js';
import { equalityValues, FilterSyntaxError } from './odata-filter.js';

const roleRead = ['RoleManagement.Read.Directory', 'RoleManagement.Read.All', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const eligibilityRead = ['RoleEligibilitySchedule.Read.Directory', 'RoleEligibilitySchedule.ReadWrite.Directory', ...roleRead];

function assignmentEntity(a: RoleAssignment, tenantId: string): Record<string, unknown> {
  return {
    id: a.id,
    principalId: a.principalId,
    principalOrganizationId: tenantId,
    roleDefinitionId: a.roleDefinitionId,
    directoryScopeId: '/',
    appScopeId: null,
    resourceScope: '/',
  };
}

const assignmentSelect = ['id', 'principalId', 'principalOrganizationId', 'roleDefinitionId', 'directoryScopeId', 'appScopeId', 'resourceScope'];

/** Direct assignments only: a role held through a group lists the group as principal. */
function listRoleAssignments(ctx: GraphContext) {
  const dir = ctx.state.directory;
  return listResult(ctx, {
    context: 'roleManagement/directory/roleAssignments',
    items: dir.roleAssignments.map((a) => assignmentEntity(a, dir.tenantId)),
    typeName: 'microsoft.graph.unifiedRoleAssignment',
    defaultSelect: assignmentSelect,
  });
}

/**
 * Beta only. Graph requires `ConsistencyLevel: eventual` (404 without it) and a `principalId eq`
 * filter; the result includes roles held through groups, each listing the group as principal.
 */
function listTransitiveRoleAssignments(ctx: GraphContext) {
  if (String(ctx.headers.consistencylevel ?? '').toLowerCase() !== 'eventual') {
    throw new GraphError(404, 'Request_ResourceNotFound', "Resource not found for the segment 'transitiveRoleAssignments'.");
  }
  const filter = ctx.query.get('$filter');
  let principals: string[] = [];
  try {
    principals = filter ? equalityValues(filter, 'principalId') : [];
  } catch (err) {
    if (err instanceof FilterSyntaxError) throw badRequest(`Invalid filter clause: ${err.message}`);
    throw err;
  }
  if (principals.length === 0) {
    throw badRequest("The $filter query parameter with an 'eq' on principalId is required to list transitive role assignments.", 'Request_UnsupportedQuery');
  }
  const dir = ctx.state.directory;
  const items: Record<string, unknown>[] = [];
  for (const principal of principals) {
    for (const a of dir.transitiveAssignmentsOf(principal.toLowerCase())) {
      // The filter names the queried principal; evaluate the rest of it (roleDefinitionId, scope) as such.
      const [match] = filterItems([{ ...assignmentEntity(a, dir.tenantId), principalId: principal }], filter);
      if (match) items.push(assignmentEntity(a, dir.tenantId));
    }
  }
  const copy = new URLSearchParams(ctx.query);
  copy.delete('$filter');
  return listResult({ ...ctx, query: copy }, {
    context: 'roleManagement/directory/transitiveRoleAssignments',
    items,
    typeName: 'microsoft.graph.unifiedRoleAssignment',
    defaultSelect: assignmentSelect,
  });
}

function listEligibilityInstances(ctx: GraphContext) {
  const dir = ctx.state.directory;
  const items = dir.roleEligibilities.map((e) => ({
    id: e.id,
    principalId: e.principalId,
    roleDefinitionId: e.roleDefinitionId,
    directoryScopeId: '/',
    appScopeId: null,
    startDateTime: e.startDateTime,
    endDateTime: null,
    memberType: 'Direct',
    roleEligibilityScheduleId: e.id,
  }));
  return listResult(ctx, {
    context: 'roleManagement/directory/roleEligibilityScheduleInstances',
    items,
    typeName: 'microsoft.graph.unifiedRoleEligibilityScheduleInstance',
    defaultSelect: Object.keys(items[0] ?? { id: '' }),
  });
}

function listRoleDefinitions(ctx: GraphContext) {
  const items = ctx.state.directory.roleDefinitions.map((r) => ({ id: r.id, displayName: r.displayName, isBuiltIn: true, isEnabled: true, templateId: r.id }));
  return listResult(ctx, {
    context: 'roleManagement/directory/roleDefinitions',
    items,
    typeName: 'microsoft.graph.unifiedRoleDefinition',
    defaultSelect: ['id', 'displayName', 'isBuiltIn', 'isEnabled', 'templateId'],
  });
}

export const roleManagementRoutes: GraphRoute[] = [
  { method: 'GET', path: '/roleManagement/directory/roleAssignments', versions: bothVersions, permissions: roleRead, handle: listRoleAssignments },
  { method: 'GET', path: '/roleManagement/directory/transitiveRoleAssignments', versions: ['beta'], permissions: roleRead, handle: listTransitiveRoleAssignments },
  { method: 'GET', path: '/roleManagement/directory/roleEligibilityScheduleInstances', versions: bothVersions, permissions: eligibilityRead, handle: listEligibilityInstances },
  { method: 'GET', path: '/roleManagement/directory/roleDefinitions', versions: bothVersions, permissions: roleRead, handle: listRoleDefinitions },
];
