import type { GraphTransport } from './graph-client.js';
import { graphCall, graphStatusOf, limitedCall } from './graph-call.js';
import type { AssignmentRequests, EntitlementManagement } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * Entitlement management's `resume` (platform facts 3): tells a launch-and-wait custom extension
 * what happened. A POST, so it spends a write token like a TAP creation.
 */
export function createGraphEntitlement(transport: GraphTransport, options: { readonly limiter: RateLimiter }): EntitlementManagement {
  return {
    async resume(assignmentRequestId, request) {
      const body = {
        source: request.source,
        type: `microsoft.graph.accessPackageCustomExtensionStage.${request.stage}`,
        data: {
          '@odata.type': 'microsoft.graph.accessPackageAssignmentRequestCallbackData',
          stage: request.stage,
          customExtensionStageInstanceId: request.stageInstanceId,
          ...(request.detail !== undefined && { customExtensionStageInstanceDetail: request.detail }),
          ...(request.state !== undefined && { state: request.state }),
        },
      };
      await limitedCall(options.limiter, () => {
        transport.countWrite();
        return graphCall({ operation: 'resume' }, () =>
          transport.client.api(`/identityGovernance/entitlementManagement/assignmentRequests/${encodeURIComponent(assignmentRequestId)}/resume`).post(body) as Promise<unknown>,
        );
      });
    },
  };
}

/** The parts of an accessPackageAssignmentRequest tapline reads, as Graph v1.0 returns them. */
interface GraphAssignmentRequest {
  id?: string;
  state?: string | null;
  requestor?: { objectId?: string | null } | null;
  accessPackage?: { id?: string | null } | null;
  assignment?: { target?: { objectId?: string | null } | null } | null;
  customExtensionCalloutInstances?: Array<{ id?: string | null }> | null;
}

// `customExtensionCalloutInstances` is a property (complex collection); requestor, accessPackage
// and assignment are relationships, and the target is the assignment's own relationship.
const REQUEST_SELECT = ['id', 'state', 'status', 'requestType', 'customExtensionCalloutInstances'];
const REQUEST_EXPAND = ['requestor', 'accessPackage($select=id,displayName)', 'assignment($expand=target)'];

/** `GET .../assignmentRequests/{id}`: one read per request, before any eligibility check. */
export function createGraphAssignmentRequests(transport: GraphTransport): AssignmentRequests {
  return {
    async get(assignmentRequestId) {
      let r: GraphAssignmentRequest;
      try {
        r = await graphCall({ operation: 'getAssignmentRequest' }, () =>
          transport.client.api(`/identityGovernance/entitlementManagement/assignmentRequests/${encodeURIComponent(assignmentRequestId)}`)
            .select(REQUEST_SELECT).expand(REQUEST_EXPAND).get() as Promise<GraphAssignmentRequest>,
        );
      } catch (err) {
        // Not (yet) in Graph: the caller decides how long to believe replication lag.
        if (graphStatusOf(err) === 404) return undefined;
        throw err;
      }
      return {
        id: (r.id ?? assignmentRequestId).toLowerCase(),
        state: r.state ?? null,
        requestorObjectId: r.requestor?.objectId?.toLowerCase() ?? null,
        targetObjectId: r.assignment?.target?.objectId?.toLowerCase() ?? null,
        accessPackageId: r.accessPackage?.id?.toLowerCase() ?? null,
        calloutInstanceIds: (r.customExtensionCalloutInstances ?? []).flatMap((c) => (typeof c.id === 'string' ? [c.id.toLowerCase()] : [])),
      };
    },
  };
}
