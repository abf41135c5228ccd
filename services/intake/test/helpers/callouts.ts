// Test-data builders for custom-extension call-out bodies as Entra sends them (PascalCase;
// reference/platform-facts.md section 1), with fresh ids per call.
import { randomUUID } from 'node:crypto';

export interface CalloutIds {
  readonly stageInstanceId: string;
  readonly requestId: string;
  readonly targetId: string;
  readonly requestorId: string;
  readonly accessPackageId: string;
}

export function calloutIds(): CalloutIds {
  return {
    stageInstanceId: randomUUID(),
    requestId: randomUUID(),
    targetId: randomUUID(),
    requestorId: randomUUID(),
    accessPackageId: randomUUID(),
  };
}

export function callout(overrides: Record<string, unknown> = {}, ids: CalloutIds = calloutIds()): Record<string, unknown> {
  return {
    CustomExtensionStageInstanceId: ids.stageInstanceId,
    Stage: 'assignmentRequestApproved',
    CallbackUriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${ids.requestId}/resume`,
    AccessPackageAssignmentRequestId: ids.requestId,
    RequestType: 'onBehalfAdd',
    State: 'pendingApproval',
    CallbackConfiguration: { DurationBeforeTimeout: 'PT1H' },
    Answers: [{ value: 'lost my phone', displayValue: 'lost my phone', answeredQuestion: { id: randomUUID() } }],
    AccessPackage: { Id: ids.accessPackageId, DisplayName: 'Temporary Access Pass', Description: 'TAP for a report' },
    AccessPackageCatalog: { Id: randomUUID(), DisplayName: 'Helpdesk', Description: '' },
    Assignment: {
      Id: randomUUID(),
      State: 'delivering',
      Status: 'Delivering',
      Target: { Id: randomUUID(), ObjectId: ids.targetId, DisplayName: 'Bob Report' },
      AssignmentPolicy: { Id: randomUUID(), DisplayName: 'Managers on behalf' },
    },
    Requestor: { Id: randomUUID(), ObjectId: ids.requestorId, DisplayName: 'Alice Manager' },
    ...overrides,
  };
}

export function connectionTest(): Record<string, unknown> {
  return { Stage: 'CustomExtensionConnectionTest', CustomExtensionStageInstanceId: randomUUID() };
}
