import type { EligibilityFacts, TapRequestMessage } from '../src/index.js';

/** Test data builders: a valid thing by default, one override per test. */

export const IDS = {
  stageInstance: '957d0c50-466b-4840-bb5b-c92cea7141ff',
  request: '0e60f18c-b2a0-4887-9da8-da2e30a39d99',
  accessPackage: '1b2c3d4e-0000-4000-8000-000000000001',
  catalog: '1b2c3d4e-0000-4000-8000-000000000002',
  assignment: '1b2c3d4e-0000-4000-8000-000000000003',
  policy: '1b2c3d4e-0000-4000-8000-000000000004',
  manager: 'aaaaaaaa-0000-4000-8000-00000000000a',
  skipLevel: 'bbbbbbbb-0000-4000-8000-00000000000b',
  report: 'cccccccc-0000-4000-8000-00000000000c',
  tap: 'dddddddd-0000-4000-8000-00000000000d',
  excludedGroup: 'eeeeeeee-0000-4000-8000-00000000000e',
} as const;

export const CALLBACK_PATH = `/identityGovernance/entitlementManagement/assignmentRequests/${IDS.request}/resume`;

/** A request-workflow call-out body as Entra sends it (PascalCase), for a manager-on-behalf request. */
export function requestCallout(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CustomExtensionStageInstanceId: IDS.stageInstance,
    Stage: 'assignmentRequestApproved',
    CallbackUriPath: CALLBACK_PATH,
    AccessPackageAssignmentRequestId: IDS.request,
    RequestType: 'onBehalfAdd',
    State: 'pendingApproval',
    CallbackConfiguration: { DurationBeforeTimeout: 'PT1H' },
    Answers: [{ value: 'please send to +1 5555550100', displayValue: 'x', answeredQuestion: { id: 'q1' } }],
    AccessPackage: { Id: IDS.accessPackage, DisplayName: 'Lost authenticator', Description: 'TAP self-service' },
    AccessPackageCatalog: { Id: IDS.catalog, DisplayName: 'Helpdesk', Description: '' },
    Assignment: {
      Id: IDS.assignment,
      State: 'Delivering',
      Status: 'Delivering',
      Target: { Id: 'subject-1', ObjectId: IDS.report, DisplayName: 'Bob Report', ConnectedOrganization: null },
      AssignmentPolicy: { Id: IDS.policy, DisplayName: 'Managers on behalf' },
    },
    Requestor: { Id: 'subject-2', ObjectId: IDS.manager, DisplayName: 'Alice Manager' },
    ...overrides,
  };
}

/** The same body in Graph's documented camelCase. */
export function requestCalloutCamel(): Record<string, unknown> {
  return {
    customExtensionStageInstanceId: IDS.stageInstance,
    stage: 'assignmentRequestApproved',
    callbackUriPath: CALLBACK_PATH,
    accessPackageAssignmentRequestId: IDS.request,
    requestType: 'onBehalfAdd',
    callbackConfiguration: { durationBeforeTimeout: 'PT1H' },
    accessPackage: { id: IDS.accessPackage, displayName: 'Lost authenticator' },
    accessPackageCatalog: { id: IDS.catalog, displayName: 'Helpdesk' },
    assignment: {
      id: IDS.assignment,
      state: 'Delivering',
      status: 'Delivering',
      target: { objectId: IDS.report, displayName: 'Bob Report' },
      assignmentPolicy: { id: IDS.policy },
    },
    requestor: { objectId: IDS.manager, displayName: 'Alice Manager' },
  };
}

/** A pre-expiration call-out: no requestor, request type or callback path. */
export function preExpirationCallout(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    CustomExtensionStageInstanceId: IDS.stageInstance,
    Stage: 'assignmentOneDayBeforeExpiration',
    AccessPackageAssignmentRequestId: IDS.request,
    AccessPackage: { Id: IDS.accessPackage, DisplayName: 'Lost authenticator' },
    AccessPackageCatalog: { Id: IDS.catalog, DisplayName: 'Helpdesk' },
    Assignment: { Id: IDS.assignment, State: 'Delivered', Status: 'Delivered', Target: { ObjectId: IDS.report, DisplayName: 'Bob Report' } },
    ...overrides,
  };
}

/** Facts for an eligible on-behalf request: the manager asks for their direct report. */
export function eligibleFacts(overrides: Partial<EligibilityFacts> = {}): EligibilityFacts {
  return {
    requestType: 'onBehalfAdd',
    stage: 'assignmentRequestApproved',
    requestorId: IDS.manager,
    target: { id: IDS.report, accountEnabled: true, userType: 'Member', isExternal: false },
    managerChain: [IDS.manager, IDS.skipLevel],
    activeRoleCount: 0,
    eligibleRoleCount: 0,
    excludedGroupMemberships: [],
    requestorIssuedToday: 0,
    ...overrides,
  };
}

/** Deep-copies a JSON body and sets the value at a dot path (creating objects on the way). */
export function withPath(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let node: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = keys[keys.length - 1] as string;
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** The intake's TapRequestMessage for `requestCallout()`. */
export function requestMessage(overrides: Partial<TapRequestMessage> = {}): TapRequestMessage {
  return {
    schemaVersion: 1,
    requestId: IDS.request,
    stageInstanceId: IDS.stageInstance,
    stage: 'assignmentRequestApproved',
    requestType: 'onBehalfAdd',
    requestorId: IDS.manager,
    targetId: IDS.report,
    accessPackageId: IDS.accessPackage,
    callback: { uriPath: CALLBACK_PATH, stage: 'assignmentRequestApproved', stageInstanceId: IDS.stageInstance },
    receivedAt: '2026-11-25T10:00:00.000Z',
    attempt: 1,
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    ...overrides,
  };
}
