import type { GraphTransport } from './graph-client.js';
import { graphCall, limitedCall } from './graph-call.js';
import type { EntitlementManagement } from './ports.js';
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
