import type { AccessPackageSubject, EntraRequest } from '../directory/assignment-requests.js';
import { bothVersions, odataContext, type GraphContext, type GraphRoute } from './context.js';
import { badRequest, notFound } from './errors.js';
import { applySelect } from './select.js';

const resumePermissions = ['EntitlementManagement.ReadWrite.All'];
/** Get accessPackageAssignmentRequest: least privileged EntitlementManagement.Read.All (platform facts). */
const readPermissions = ['EntitlementManagement.Read.All', 'EntitlementManagement.ReadWrite.All'];

const REQUEST_TYPE = 'microsoft.graph.accessPackageAssignmentRequest';
const REQUEST_PROPERTIES = ['id', 'requestType', 'state', 'status', 'createdDateTime', 'completedDateTime', 'justification', 'schedule', 'answers', 'customExtensionCalloutInstances'];
const SUBJECT_PROPERTIES = ['id', 'objectId', 'displayName', 'email', 'principalName', 'subjectType', 'onPremisesSecurityIdentifier'];
const PACKAGE_PROPERTIES = ['id', 'displayName', 'description', 'isHidden', 'createdDateTime', 'modifiedDateTime'];
const ASSIGNMENT_PROPERTIES = ['id', 'state', 'status', 'expiredDateTime', 'schedule', 'customExtensionCalloutInstances'];

/** One `$expand` item: `name` or `name($select=a,b;$expand=c)`. */
interface ExpandItem {
  name: string;
  select: string | null;
  expand: string | null;
}

/** Splits `a,b(x,y;z),c` at the commas outside parentheses and reads each item's options. */
function parseExpand(raw: string | null): ExpandItem[] {
  if (raw === null || raw.trim() === '') return [];
  const items: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      items.push(raw.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw badRequest(`Parsing OData Select and Expand failed: unbalanced parentheses in '${raw}'.`);
  }
  if (depth !== 0) throw badRequest(`Parsing OData Select and Expand failed: unbalanced parentheses in '${raw}'.`);
  items.push(raw.slice(start));
  return items.map((item) => {
    const m = /^\s*([A-Za-z]+)\s*(?:\((.*)\))?\s*$/.exec(item);
    if (!m) throw badRequest(`Parsing OData Select and Expand failed: cannot read '${item}'.`);
    const options = splitOptions(m[2] ?? '');
    return { name: m[1]!, select: options.get('$select') ?? null, expand: options.get('$expand') ?? null };
  });
}

/** `$select=a,b;$expand=c(...)`: options separated by semicolons outside parentheses. */
function splitOptions(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  let depth = 0;
  let start = 0;
  const take = (part: string) => {
    if (part.trim() === '') return;
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim().toLowerCase();
    if (eq < 0 || (key !== '$select' && key !== '$expand')) throw badRequest(`Parsing OData Select and Expand failed: unsupported option '${part.trim()}'.`);
    out.set(key, part.slice(eq + 1));
  };
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '(') depth++;
    else if (raw[i] === ')') depth--;
    else if (raw[i] === ';' && depth === 0) {
      take(raw.slice(start, i));
      start = i + 1;
    }
  }
  take(raw.slice(start));
  return out;
}

function noProperty(name: string, type: string) {
  return badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${name}' on type '${type}'.`);
}

function subject(s: AccessPackageSubject, select: string | null): Record<string, unknown> {
  return applySelect({ ...s }, select, 'microsoft.graph.accessPackageSubject', SUBJECT_PROPERTIES);
}

/** The request with Graph's navigation properties where `$expand` asks for them (requestor, accessPackage, assignment(target)). */
function requestView(ctx: GraphContext, r: EntraRequest & { id: string }): Record<string, unknown> {
  const entity: Record<string, unknown> = {
    id: r.id, requestType: r.requestType, state: r.state, status: r.status, createdDateTime: r.createdDateTime, completedDateTime: null,
    justification: null, schedule: null, answers: [], customExtensionCalloutInstances: r.customExtensionCalloutInstances.map((c) => ({ ...c })),
  };
  const out = applySelect(entity, ctx.query.get('$select'), REQUEST_TYPE, REQUEST_PROPERTIES);
  for (const item of parseExpand(ctx.query.get('$expand'))) {
    switch (item.name.toLowerCase()) {
      case 'requestor':
        if (item.expand) throw noProperty(item.expand.split('(')[0]!, 'microsoft.graph.accessPackageSubject');
        out.requestor = subject(r.requestor, item.select);
        break;
      case 'accesspackage':
        if (item.expand) throw noProperty(item.expand.split('(')[0]!, 'microsoft.graph.accessPackage');
        out.accessPackage = applySelect({ ...r.accessPackage, isHidden: false, createdDateTime: r.createdDateTime, modifiedDateTime: r.createdDateTime }, item.select, 'microsoft.graph.accessPackage', PACKAGE_PROPERTIES);
        break;
      case 'assignment': {
        const a = r.assignment;
        const assignment = applySelect({ id: a.id, state: a.state, status: a.status, expiredDateTime: null, schedule: null, customExtensionCalloutInstances: [] }, item.select, 'microsoft.graph.accessPackageAssignment', ASSIGNMENT_PROPERTIES);
        for (const inner of parseExpand(item.expand)) {
          if (inner.name.toLowerCase() !== 'target') throw noProperty(inner.name, 'microsoft.graph.accessPackageAssignment');
          assignment.target = subject(a.target, inner.select);
        }
        out.assignment = assignment;
        break;
      }
      default:
        throw noProperty(item.name, REQUEST_TYPE);
    }
  }
  return out;
}

/** `GET .../assignmentRequests/{id}`: 404 for an id Entra never created (or not replicated yet). */
function getRequest(ctx: GraphContext) {
  const request = ctx.state.assignmentRequests.read(ctx.params.id!, ctx.now);
  if (!request) throw notFound(ctx.params.id!);
  return {
    status: 200,
    body: { '@odata.context': odataContext(ctx.version, 'identityGovernance/entitlementManagement/assignmentRequests/$entity'), ...requestView(ctx, request) },
  };
}

/**
 * `resume`: 204 while the request waits for a callback, 400 otherwise (unknown id, already
 * resumed, stage or stage instance not the one the request waits at, malformed body). Every
 * call, including rejected ones, is recorded for `GET /_sim/resume-calls` by the pipeline.
 */
function resume(ctx: GraphContext) {
  const body = ctx.body as Record<string, unknown> | undefined;
  const data = body?.data as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object' || !data || typeof data !== 'object') {
    throw badRequest("The request body must contain 'data' (accessPackageAssignmentRequestCallbackData).");
  }
  const stage = typeof data.stage === 'string' ? data.stage : undefined;
  const type = typeof body.type === 'string' ? body.type : undefined;
  if (!stage) throw badRequest("'data.stage' is required.");
  if (type !== undefined && type.toLowerCase() !== `microsoft.graph.accessPackageCustomExtensionStage.${stage}`.toLowerCase()) {
    throw badRequest(`'type' ${type} does not match the stage ${stage}.`);
  }
  const state = data.state;
  if (state !== undefined && state !== null && state !== 'denied' && state !== 'canceled') throw badRequest(`'data.state' must be denied or canceled, not ${JSON.stringify(state)}.`);
  const request = ctx.state.assignmentRequests.lookup(ctx.params.id!, ctx.now);
  if (!request) throw badRequest(`The access package assignment request '${ctx.params.id}' is not waiting for a callback.`);
  if (request.requestStatus !== 'WaitingForCallback') {
    throw badRequest(`The access package assignment request '${ctx.params.id}' is not waiting for a callback (requestStatus: ${request.requestStatus}).`);
  }
  if (request.stage && request.stage.toLowerCase() !== stage.toLowerCase()) {
    throw badRequest(`The request is waiting at stage ${request.stage}, not ${stage}.`);
  }
  const instance = typeof data.customExtensionStageInstanceId === 'string' ? data.customExtensionStageInstanceId.toLowerCase() : null;
  if (request.customExtensionStageInstanceId && instance !== request.customExtensionStageInstanceId) {
    throw badRequest('The customExtensionStageInstanceId does not match the stage instance the request is waiting for.');
  }
  request.requestStatus = 'Resumed';
  request.resumedAt = ctx.now.toISOString();
  request.resumeState = typeof state === 'string' ? state : null;
  ctx.state.assignmentRequests.resumed(request, request.resumeState);
  return { status: 204 };
}

export const entitlementRoutes: GraphRoute[] = [
  { method: 'GET', path: '/identityGovernance/entitlementManagement/assignmentRequests/{id}', versions: bothVersions, permissions: readPermissions, handle: getRequest },
  { method: 'POST', path: '/identityGovernance/entitlementManagement/assignmentRequests/{id}/resume', versions: bothVersions, permissions: resumePermissions, handle: resume },
  // Beta's older path, "to be retired soon" (platform facts section 3).
  { method: 'POST', path: '/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/{id}/resume', versions: ['beta'], permissions: resumePermissions, handle: resume },
];
