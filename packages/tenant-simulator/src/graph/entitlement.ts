import { bothVersions, type GraphContext, type GraphRoute } from './context.js';
import { badRequest } from './errors.js';

const resumePermissions = ['EntitlementManagement.ReadWrite.All'];

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
  return { status: 204 };
}

export const entitlementRoutes: GraphRoute[] = [
  { method: 'POST', path: '/identityGovernance/entitlementManagement/assignmentRequests/{id}/resume', versions: bothVersions, permissions: resumePermissions, handle: resume },
  // Beta's older path, "to be retired soon" (platform facts section 3).
  { method: 'POST', path: '/identityGovernance/entitlementManagement/accessPackageAssignmentRequests/{id}/resume', versions: ['beta'], permissions: resumePermissions, handle: resume },
];
