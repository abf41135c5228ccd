// The custom-extension call-out body as Entra entitlement management sends it (through the relay)
// for a manager's on-behalf request: PascalCase, shaped like the illustrative payload of
// reference/platform-facts.md section 1. Pure: every id comes in, so tests pin the output.
//
// Best guesses, where the sources are silent (the domain decoder reads none of these fields):
// - `State` per stage: created -> submitted, approved -> pendingApproval (as in the illustrative
//   payload), granted/removed -> delivered; `Assignment.State/Status` follow the same idea.
// - The access package, catalog and policy are one fixed "TAP for a report" package of the
//   simulated tenant (the tenant simulator has no entitlement-management objects).

import { randomUUID } from 'node:crypto';
import type { RequestStage, RequestType } from '@tapline/domain';

export interface CalloutSubject {
  readonly objectId: string;
  readonly displayName?: string;
}

export interface CalloutEntity {
  readonly id: string;
  readonly displayName: string;
  readonly description: string;
}

/** The ids Entra mints per request and per stage; fresh for each simulated request. */
export interface CalloutIds {
  /** AccessPackageAssignmentRequestId: tapline's request id. */
  readonly requestId: string;
  /** CustomExtensionStageInstanceId: one per call-out; the intake's Service Bus message id. */
  readonly stageInstanceId: string;
  readonly assignmentId: string;
  /** accessPackageSubject ids (not the users' object ids). */
  readonly targetSubjectId: string;
  readonly requestorSubjectId: string;
}

export interface CalloutInput {
  readonly ids: CalloutIds;
  /** The manager. */
  readonly requestor: CalloutSubject;
  /** The report the TAP is for. */
  readonly target: CalloutSubject;
  readonly stage?: RequestStage;
  readonly requestType?: RequestType;
  /** ISO 8601 duration of a launch-and-wait extension's callback timeout. */
  readonly callbackTimeout?: string;
  readonly accessPackage?: CalloutEntity;
  readonly catalog?: CalloutEntity;
  readonly policy?: { readonly id: string; readonly displayName: string };
  /** The requestor's justification (Entra's Answers); never read by tapline. */
  readonly justification?: string;
}

export const DEFAULT_STAGE: RequestStage = 'assignmentRequestApproved';
export const DEFAULT_REQUEST_TYPE: RequestType = 'onBehalfAdd';
export const DEFAULT_CALLBACK_TIMEOUT = 'PT1H';

export const SIMULATED_ACCESS_PACKAGE: CalloutEntity = {
  id: '3501ee66-23cb-440d-94d4-5c74d4278776',
  displayName: 'Temporary Access Pass for a report',
  description: 'A manager requests a Temporary Access Pass for a direct report.',
};
export const SIMULATED_CATALOG: CalloutEntity = {
  id: '376fed9a-dc38-499d-aa9e-81d3ed1b20d7',
  displayName: 'Helpdesk self-service',
  description: 'Access packages managers request on behalf of their reports.',
};
/** The package's one question ("Why does your report need a Temporary Access Pass?"). */
export const SIMULATED_QUESTION_ID = '88660f54-9a32-4cb2-b685-5bc6f8186795';
export const SIMULATED_POLICY = { id: 'f206e202-6440-41b3-8cf1-e977122b7258', displayName: 'Managers, on behalf of direct reports' } as const;

const REQUEST_STATE: Record<RequestStage, string> = {
  assignmentRequestCreated: 'submitted',
  assignmentRequestApproved: 'pendingApproval',
  assignmentRequestGranted: 'delivered',
  assignmentRequestRemoved: 'delivered',
};

const ASSIGNMENT_STATE: Record<RequestStage, { state: string; status: string }> = {
  assignmentRequestCreated: { state: 'delivering', status: 'Delivering' },
  assignmentRequestApproved: { state: 'delivering', status: 'Delivering' },
  assignmentRequestGranted: { state: 'delivered', status: 'Delivered' },
  assignmentRequestRemoved: { state: 'delivered', status: 'Delivered' },
};

export function newCalloutIds(uuid: () => string = randomUUID): CalloutIds {
  return { requestId: uuid(), stageInstanceId: uuid(), assignmentId: uuid(), targetSubjectId: uuid(), requestorSubjectId: uuid() };
}

export function callbackUriPathFor(requestId: string): string {
  return `/identityGovernance/entitlementManagement/assignmentRequests/${requestId}/resume`;
}

function subject(id: string, s: CalloutSubject): Record<string, unknown> {
  return { Id: id, ObjectId: s.objectId, ...(s.displayName !== undefined && { DisplayName: s.displayName }) };
}

function entity(e: CalloutEntity): Record<string, unknown> {
  return { Id: e.id, DisplayName: e.displayName, Description: e.description };
}

export function buildCalloutBody(input: CalloutInput): Record<string, unknown> {
  const stage = input.stage ?? DEFAULT_STAGE;
  const { ids } = input;
  const policy = input.policy ?? SIMULATED_POLICY;
  return {
    CustomExtensionStageInstanceId: ids.stageInstanceId,
    Stage: stage,
    CallbackUriPath: callbackUriPathFor(ids.requestId),
    AccessPackageAssignmentRequestId: ids.requestId,
    RequestType: input.requestType ?? DEFAULT_REQUEST_TYPE,
    State: REQUEST_STATE[stage],
    CallbackConfiguration: { DurationBeforeTimeout: input.callbackTimeout ?? DEFAULT_CALLBACK_TIMEOUT },
    Answers: [
      {
        value: input.justification ?? 'Submitted by tapctl simulate',
        displayValue: input.justification ?? 'Submitted by tapctl simulate',
        answeredQuestion: { id: SIMULATED_QUESTION_ID },
      },
    ],
    AccessPackage: entity(input.accessPackage ?? SIMULATED_ACCESS_PACKAGE),
    AccessPackageCatalog: entity(input.catalog ?? SIMULATED_CATALOG),
    Assignment: {
      Id: ids.assignmentId,
      State: ASSIGNMENT_STATE[stage].state,
      Status: ASSIGNMENT_STATE[stage].status,
      Target: subject(ids.targetSubjectId, input.target),
      AssignmentPolicy: { Id: policy.id, DisplayName: policy.displayName },
    },
    Requestor: subject(ids.requestorSubjectId, input.requestor),
  };
}
