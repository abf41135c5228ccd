import { describe, expect, it } from 'vitest';
import {
  type AssignmentRequestFacts,
  type ClaimedRequest,
  REFUSAL_REASON_NAMES,
  type RefusalReason,
  STATES_AT_STAGE,
  confirmRequest,
  isReportedReason,
  securityReasons,
} from '../src/index.js';
import { IDS } from './builders.js';

const OTHER = '5d1b0a3c-7e2f-4a6b-9c8d-0e1f2a3b4c5d';
const claimed: ClaimedRequest = { requestorId: IDS.manager, targetId: IDS.report, stage: 'assignmentRequestApproved', stageInstanceId: IDS.stageInstance };
const served = [IDS.accessPackage];

/** The request as Entra created it for `claimed`. */
function graphSays(overrides: Partial<AssignmentRequestFacts> = {}): AssignmentRequestFacts {
  return {
    id: IDS.request, state: 'pendingApproval', requestorObjectId: IDS.manager, targetObjectId: IDS.report,
    accessPackageId: IDS.accessPackage, calloutInstanceIds: [OTHER, IDS.stageInstance], ...overrides,
  };
}

describe('confirmRequest (check 0)', () => {
  it('confirms the request Graph holds, ids compared without regard to case', () => {
    expect(confirmRequest(graphSays(), claimed, served)).toEqual([]);
    const upper = graphSays({ requestorObjectId: IDS.manager.toUpperCase(), calloutInstanceIds: [IDS.stageInstance.toUpperCase()], state: 'PendingApproval' });
    expect(confirmRequest(upper, claimed, [IDS.accessPackage.toUpperCase()])).toEqual([]);
  });

  // One case per refusal: a new refusal reason in the table fails to compile until it has one.
  const SINGLE: Record<RefusalReason, () => RefusalReason[]> = {
    RequestNotFound: () => confirmRequest(undefined, claimed, served),
    RequestorMismatch: () => confirmRequest(graphSays({ requestorObjectId: OTHER }), claimed, served),
    TargetMismatch: () => confirmRequest(graphSays({ targetObjectId: OTHER }), claimed, served),
    AccessPackageNotServed: () => confirmRequest(graphSays({ accessPackageId: OTHER }), claimed, served),
    RequestStateMismatch: () => confirmRequest(graphSays({ state: 'denied' }), claimed, served),
    UnknownStageInstance: () => confirmRequest(graphSays({ calloutInstanceIds: [OTHER] }), claimed, served),
  };

  it.each(Object.entries(SINGLE))('refuses with %s alone', (reason, run) => {
    expect(run()).toEqual([reason]);
  });

  it('covers every refusal reason, each a security event never reported to the manager or Entra', () => {
    expect(Object.keys(SINGLE).sort()).toEqual([...REFUSAL_REASON_NAMES].sort());
    for (const reason of REFUSAL_REASON_NAMES) expect(isReportedReason(reason)).toBe(false);
    expect(securityReasons(REFUSAL_REASON_NAMES)).toEqual(REFUSAL_REASON_NAMES);
  });

  it('reports every mismatch at once, in table order; a missing subject or package never matches', () => {
    const stranger = graphSays({ requestorObjectId: null, targetObjectId: null, accessPackageId: null, state: null, calloutInstanceIds: [] });
    expect(confirmRequest(stranger, claimed, served)).toEqual(REFUSAL_REASON_NAMES.filter((r) => r !== 'RequestNotFound'));
  });

  it('refuses everything when the deployment serves no package', () => {
    expect(confirmRequest(graphSays(), claimed, [])).toEqual(['AccessPackageNotServed']);
  });

  it('fits the state to the stage: ended requests never, an approval-stage call-out not before approval', () => {
    for (const state of ['denied', 'canceled', 'deliveryFailed', 'unknownFutureValue']) {
      for (const stage of Object.keys(STATES_AT_STAGE) as ClaimedRequest['stage'][]) {
        expect(confirmRequest(graphSays({ state }), { ...claimed, stage }, served)).toEqual(['RequestStateMismatch']);
      }
    }
    expect(confirmRequest(graphSays({ state: 'submitted' }), claimed, served)).toEqual(['RequestStateMismatch']);
    expect(confirmRequest(graphSays({ state: 'delivered' }), claimed, served)).toEqual([]);
    expect(confirmRequest(graphSays({ state: 'pendingApproval' }), { ...claimed, stage: 'assignmentRequestGranted' }, served)).toEqual(['RequestStateMismatch']);
    expect(confirmRequest(graphSays({ state: 'submitted' }), { ...claimed, stage: 'assignmentRequestCreated' }, served)).toEqual([]);
  });
});
