import { describe, expect, it } from 'vitest';
import { RetryableError } from '@tapline/domain';
import { createMemoryTenant } from '@tapline/graph';
import { changeFeedConformance } from './change-feed-conformance.js';
import { directoryConformance } from './conformance.js';
import { ORG } from './org.js';
import { demoOrgSeed } from './org-seed.js';

directoryConformance('in-memory tenant', () => {
  const tenant = createMemoryTenant(demoOrgSeed());
  return Promise.resolve({
    directory: tenant.directory,
    tapIssuer: tenant.tapIssuer,
    currentTapSha256: (userId) => Promise.resolve(tenant.currentTap(userId)?.sha256),
    setTapPolicy: (patch) => Promise.resolve(tenant.setTapPolicy(patch)),
    assignmentRequests: tenant.assignmentRequests,
    createRequest: ({ id, requestor, target, stageInstanceId, accessPackageId }) => Promise.resolve(tenant.addAssignmentRequest({
      id, state: 'pendingApproval', requestorObjectId: requestor, targetObjectId: target, accessPackageId, calloutInstanceIds: [stageInstanceId],
    })),
  });
});

changeFeedConformance('in-memory tenant', () => {
  const tenant = createMemoryTenant(demoOrgSeed());
  return Promise.resolve({
    changes: tenant.changes,
    setManager: (userId, managerId) => Promise.resolve(tenant.setManager(userId, managerId)),
    removeUser: (userId) => Promise.resolve(tenant.removeUser(userId)),
    registerMobile: (userId, number) => Promise.resolve(tenant.registerPhone(userId, 'mobile', number)),
    expireDeltaTokens: () => Promise.resolve(tenant.expireDeltaTokens()),
  });
});

describe('in-memory tenant, test controls', () => {
  it('hides an assignment request for the first reads asked (replication lag)', async () => {
    const tenant = createMemoryTenant(demoOrgSeed());
    const id = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';
    tenant.addAssignmentRequest({ id, state: 'delivered', requestorObjectId: ORG.ben, targetObjectId: ORG.alice, accessPackageId: null, calloutInstanceIds: [] }, { hiddenReads: 2 });
    expect(await tenant.assignmentRequests.get(id)).toBeUndefined();
    expect(await tenant.assignmentRequests.get(id)).toBeUndefined();
    expect((await tenant.assignmentRequests.get(id))?.state).toBe('delivered');
  });

  it('records writes, hands the secret to onSecret first, and fails on demand', async () => {
    const secrets: string[] = [];
    const tenant = createMemoryTenant({ ...demoOrgSeed(), onSecret: (s) => secrets.push(s) });
    tenant.failNext('createTap', new RetryableError('throttled', { retryAfterMs: 1500 }));
    await expect(tenant.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true })).rejects.toMatchObject({ retryAfterMs: 1500 });
    expect(tenant.writes).toHaveLength(0);
    const tap = await tenant.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true });
    expect(secrets).toEqual([tap.secret]);
    expect(tenant.writes).toEqual([expect.objectContaining({ operation: 'createTap', subject: ORG.alice })]);
    expect(tenant.calls.filter((c) => c === 'createTap')).toHaveLength(2);
  });

  it('records a manager change so the audit check sees it', async () => {
    const tenant = createMemoryTenant(demoOrgSeed());
    tenant.setManager(ORG.alice, ORG.marcus);
    expect(await tenant.directory.managerChain(ORG.alice, 1)).toEqual([ORG.marcus]);
    const changes = await tenant.changes.auditChanges(new Date(Date.now() - 60_000));
    expect(changes).toContainEqual(expect.objectContaining({ userId: ORG.alice, kind: 'manager' }));
  });
});
