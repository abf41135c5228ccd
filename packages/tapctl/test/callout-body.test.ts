import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { decodeExtensionEvent, decodeTapRequest, encodeTapRequest, REQUEST_STAGES, tapRequestFromEvent } from '@tapline/domain';
import { buildCalloutBody, newCalloutIds, SIMULATED_ACCESS_PACKAGE } from '../src/index.js';

const MANAGER = { objectId: DEMO.ben.id, displayName: DEMO.ben.displayName };
const REPORT = { objectId: DEMO.alice.id, displayName: DEMO.alice.displayName };

describe('buildCalloutBody', () => {
  it('decodes with the domain contract as an onBehalfAdd request: requestor = manager, target = report', () => {
    const ids = newCalloutIds();
    const body = buildCalloutBody({ ids, requestor: MANAGER, target: REPORT });
    // Through JSON, as the intake receives it.
    const decoded = decodeExtensionEvent(JSON.parse(JSON.stringify(body)));
    expect(decoded).toMatchObject({
      ok: true,
      event: {
        kind: 'assignmentRequest',
        stage: 'assignmentRequestApproved',
        requestType: 'onBehalfAdd',
        requestId: ids.requestId,
        stageInstanceId: ids.stageInstanceId,
        callbackUriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${ids.requestId}/resume`,
        callbackTimeout: 'PT1H',
        requestor: { objectId: MANAGER.objectId, displayName: 'Ben Okafor' },
        target: { objectId: REPORT.objectId, displayName: 'Alice Novak' },
        accessPackage: { id: SIMULATED_ACCESS_PACKAGE.id, displayName: SIMULATED_ACCESS_PACKAGE.displayName },
      },
    });
  });

  it('speaks Entra\'s PascalCase wire names, with every field of the illustrative payload', () => {
    const body = buildCalloutBody({ ids: newCalloutIds(), requestor: MANAGER, target: REPORT });
    expect(Object.keys(body).sort()).toEqual([
      'AccessPackage', 'AccessPackageAssignmentRequestId', 'AccessPackageCatalog', 'Answers', 'Assignment', 'CallbackConfiguration',
      'CallbackUriPath', 'CustomExtensionStageInstanceId', 'RequestType', 'Requestor', 'Stage', 'State',
    ]);
    expect(body.Assignment).toMatchObject({ Target: { ObjectId: REPORT.objectId, DisplayName: 'Alice Novak' }, AssignmentPolicy: { Id: expect.any(String) as string } });
    expect(body.Requestor).toMatchObject({ ObjectId: MANAGER.objectId, DisplayName: 'Ben Okafor' });
    // accessPackageSubject ids are their own, not the users' object ids.
    expect((body.Requestor as { Id: string }).Id).not.toBe(MANAGER.objectId);
  });

  it('carries the stage and request type it is given, and each stage still decodes', () => {
    for (const stage of REQUEST_STAGES) {
      const decoded = decodeExtensionEvent(buildCalloutBody({ ids: newCalloutIds(), requestor: MANAGER, target: REPORT, stage, requestType: 'userAdd' }));
      expect(decoded.ok && decoded.event.kind === 'assignmentRequest' && [decoded.event.stage, decoded.event.requestType]).toEqual([stage, 'userAdd']);
    }
  });

  it('is pure: the same input gives the same body; fresh ids give a different request', () => {
    const ids = newCalloutIds();
    expect(buildCalloutBody({ ids, requestor: MANAGER, target: REPORT })).toEqual(buildCalloutBody({ ids, requestor: MANAGER, target: REPORT }));
    const other = buildCalloutBody({ ids: newCalloutIds(), requestor: MANAGER, target: REPORT });
    expect(other.AccessPackageAssignmentRequestId).not.toBe(ids.requestId);
    expect(other.CustomExtensionStageInstanceId).not.toBe(ids.stageInstanceId);
  });

  it('omits display names it does not know (a user outside the directory) and still decodes', () => {
    const unknown = { objectId: randomUUID() };
    const body = buildCalloutBody({ ids: newCalloutIds(), requestor: MANAGER, target: unknown });
    expect((body.Assignment as { Target: Record<string, unknown> }).Target).not.toHaveProperty('DisplayName');
    const decoded = decodeExtensionEvent(body);
    expect(decoded.ok && decoded.event.kind === 'assignmentRequest' && decoded.event.target).toEqual({ objectId: unknown.objectId });
  });

  it('becomes the queue message the worker expects (ids only, the manager as requestor)', () => {
    const ids = newCalloutIds();
    const decoded = decodeExtensionEvent(buildCalloutBody({ ids, requestor: MANAGER, target: REPORT }));
    if (!decoded.ok || decoded.event.kind !== 'assignmentRequest') throw new Error('did not decode');
    const message = tapRequestFromEvent(decoded.event, { receivedAt: new Date() });
    expect(decodeTapRequest(JSON.parse(encodeTapRequest(message)))).toMatchObject({
      ok: true,
      message: { requestId: ids.requestId, requestorId: MANAGER.objectId, targetId: REPORT.objectId, requestType: 'onBehalfAdd', callback: { stageInstanceId: ids.stageInstanceId } },
    });
  });
});
