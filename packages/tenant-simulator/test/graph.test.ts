import { ManagedIdentityCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { app, user } from './helpers/demo-org.js';
import { graphClient, graphFailure, StaticTokenCredential } from './helpers/graph-client.js';
import { startTenantSimulator, useManagedIdentityOf, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson, testToken } from './helpers/sim-api.js';

let sim: TenantSimulatorProcess;
let worker: Client;
let workerBeta: Client;
let restoreIdentity: (() => void) | undefined;

beforeAll(async () => {
  sim = await startTenantSimulator();
  restoreIdentity = useManagedIdentityOf(sim);
  const credential = new ManagedIdentityCredential({ clientId: app('tapline-worker').appId });
  worker = graphClient(sim.url, credential);
  workerBeta = graphClient(sim.url, credential, { version: 'beta' });
});

afterAll(async () => {
  await sim?.stop();
  restoreIdentity?.();
});

beforeEach(async () => {
  expect((await simJson(sim, 'POST', '/_sim/reset', {})).status).toBe(204);
});

describe('users and managers', () => {
  it('gets a user by UPN with $select, including properties outside the default set', async () => {
    const alice = user('alice.novak');
    const body = await worker.api(`/users/${alice.upn}`).select(['id', 'accountEnabled', 'userType', 'mail']).get() as Record<string, unknown>;
    expect(body).toMatchObject({ id: alice.id, accountEnabled: true, userType: 'Member', mail: 'alice.novak@contoso.example' });
    expect(body).not.toHaveProperty('displayName');
  });

  it('leaves accountEnabled out of the v1.0 default property set, as Graph does', async () => {
    const body = await worker.api(`/users/${user('henry.adams').id}`).get() as Record<string, unknown>;
    expect(body.displayName).toBe('Henry Adams');
    expect(body).not.toHaveProperty('accountEnabled');
    const selected = await worker.api(`/users/${user('henry.adams').id}`).select('accountEnabled').get() as Record<string, unknown>;
    expect(selected.accountEnabled).toBe(false);
  });

  it('finds an external guest by its #EXT# UPN', async () => {
    const ivan = user('ivan.petrov');
    const body = await worker.api(`/users/${encodeURIComponent(ivan.upn)}`).select(['id', 'userType', 'creationType']).get() as Record<string, unknown>;
    expect(body).toMatchObject({ id: ivan.id, userType: 'Guest', creationType: 'Invitation' });
  });

  it("returns a user's manager, and Graph's 404 body for an unknown user", async () => {
    const manager = await worker.api(`/users/${user('alice.novak').id}/manager`).select(['id', 'displayName']).get() as Record<string, unknown>;
    expect(manager).toMatchObject({ id: user('ben.okafor').id, '@odata.type': '#microsoft.graph.user' });
    const err = await graphFailure(worker.api('/users/nobody@contoso.onmicrosoft.com').get());
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('Request_ResourceNotFound');
    const noManager = await graphFailure(worker.api(`/users/${user('olivia.chen').id}/manager`).get());
    expect(noManager.statusCode).toBe(404);
  });

  it('answers with the Graph error body shape, request ids included', async () => {
    const res = await fetch(`${sim.url}/v1.0/users/${user('alice.novak').id}`, { headers: { 'client-request-id': 'my-client-id' } });
    expect(res.status).toBe(401);
    const body = await res.json() as { error: { code: string; message: string; innerError: Record<string, string> } };
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.innerError['client-request-id']).toBe('my-client-id');
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect(Date.parse(`${body.error.innerError.date}Z`)).not.toBeNaN();
  });

  it('changes a manager through /_sim and writes the audit entry', async () => {
    const alice = user('alice.novak');
    const patched = await simJson(sim, 'PATCH', `/_sim/users/${alice.upn}`, { manager: 'oscar.reyes', changedBy: 'hannah.kowalski' });
    expect(patched.status).toBe(200);
    const manager = await worker.api(`/users/${alice.id}/manager`).select('id').get() as { id: string };
    expect(manager.id).toBe(user('oscar.reyes').id);
    const audits = await worker.api('/auditLogs/directoryAudits')
      .filter(`targetResources/any(t: t/id eq '${alice.id}') and activityDisplayName eq 'Update user'`).get() as { value: unknown[] };
    expect(audits.value).toHaveLength(1);
  });
});

describe('authentication errors as Graph gives them', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['expired', { app: 'tapline-worker', expiresInSeconds: -3600 }, /expired/],
    ['not yet valid', { app: 'tapline-worker', notBeforeInSeconds: 3600 }, /not yet valid/],
    ['for another audience', { app: 'tapline-worker', audience: 'api://tapline-intake' }, /audience/],
    ['signed with an unpublished key', { app: 'tapline-worker', signWith: 'foreign' }, /validation failure/],
    ['from another tenant', { app: 'tapline-worker', tenantId: '0e2c1c9e-0000-4000-8000-000000000000' }, /issuer/],
  ];
  for (const [name, request, message] of cases) {
    it(`a token ${name} gets 401 InvalidAuthenticationToken`, async () => {
      const client = graphClient(sim.url, new StaticTokenCredential(await testToken(sim, request)));
      const err = await graphFailure(client.api(`/users/${user('alice.novak').id}`).get());
      expect(err.statusCode).toBe(401);
      expect(err.code).toBe('InvalidAuthenticationToken');
      expect(err.message).toMatch(message);
    });
  }

  it('a token without the needed permission gets 403 Authorization_RequestDenied', async () => {
    const noPermissions = graphClient(sim.url, new ManagedIdentityCredential({ clientId: app('no-permissions').appId }));
    const err = await graphFailure(noPermissions.api(`/users/${user('alice.novak').id}`).get());
    expect(err.statusCode).toBe(403);
    expect(err.code).toBe('Authorization_RequestDenied');
    // Reading users is not enough to create a TAP.
    const reader = graphClient(sim.url, new ManagedIdentityCredential({ clientId: app('directory-reader').appId }));
    await expect(reader.api(`/users/${user('alice.novak').id}`).select('id').get()).resolves.toMatchObject({ id: user('alice.novak').id });
    const denied = await graphFailure(reader.api(`/users/${user('alice.novak').id}/authentication/temporaryAccessPassMethods`).post({}));
    expect(denied.statusCode).toBe(403);
    expect((await simJson(sim, 'GET', `/_sim/users/${user('alice.novak').id}/tap`)).status).toBe(404);
  });
});

describe('roles, eligibility, groups', () => {
  const transitive = (id: string) => `/roleManagement/directory/transitiveRoleAssignments?$count=true&$filter=principalId eq '${id}'`;

  it('transitiveRoleAssignments without ConsistencyLevel: eventual is 404, as Graph does', async () => {
    const err = await graphFailure(workerBeta.api(transitive(user('erin.walsh').id)).get());
    expect(err.statusCode).toBe(404);
  });

  it('counts direct and group-based roles, and none for an ordinary member', async () => {
    const count = async (nick: string) => (await workerBeta.api(transitive(user(nick).id)).header('ConsistencyLevel', 'eventual').get() as { '@odata.count': number })['@odata.count'];
    expect(await count('erin.walsh')).toBe(1);
    expect(await count('frank.moreau')).toBe(1);
    expect(await count('alice.novak')).toBe(0);
    // Direct assignments alone miss the group-based one (platform facts section 5).
    const direct = await worker.api('/roleManagement/directory/roleAssignments').filter(`principalId eq '${user('frank.moreau').id}'`).get() as { value: unknown[] };
    expect(direct.value).toHaveLength(0);
  });

  it('serves transitiveRoleAssignments on beta only', async () => {
    const err = await graphFailure(worker.api(transitive(user('erin.walsh').id)).header('ConsistencyLevel', 'eventual').get());
    expect(err.statusCode).toBe(400);
    expect(err.message).toMatch(/transitiveRoleAssignments/);
  });

  it('lists PIM-eligible roles', async () => {
    const grace = await worker.api('/roleManagement/directory/roleEligibilityScheduleInstances').filter(`principalId eq '${user('grace.liu').id}'`).get() as { value: Array<{ roleDefinitionId: string }> };
    expect(grace.value.map((v) => v.roleDefinitionId)).toEqual(['194ae4cb-b126-40b2-bd5b-6091b380977d']);
    const alice = await worker.api('/roleManagement/directory/roleEligibilityScheduleInstances').filter(`principalId eq '${user('alice.novak').id}'`).get() as { value: unknown[] };
    expect(alice.value).toHaveLength(0);
  });

  it('includes nested groups in transitiveMemberOf', async () => {
    const paul = await worker.api(`/users/${user('paul.schmidt').id}/transitiveMemberOf`).select(['id', 'displayName']).get() as { value: Array<{ displayName: string }> };
    expect(paul.value.map((g) => g.displayName).sort()).toEqual(['All Engineering', 'Core Platform Team', 'Tier 0 Engineers']);
  });
});

describe('audit log, phone methods, TAP policy', () => {
  it('shows the manager change of an hour ago, filterable by target, activity and time', async () => {
    const nina = user('nina.berg');
    const since = new Date(Date.now() - 3 * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const filter = `targetResources/any(t: t/id eq '${nina.id}') and activityDisplayName eq 'Update user' and activityDateTime ge ${since}`;
    const found = await worker.api('/auditLogs/directoryAudits').filter(filter).get() as { value: Array<{ activityDateTime: string; targetResources: Array<{ modifiedProperties: Array<{ displayName: string; newValue: string }> }> }> };
    expect(found.value).toHaveLength(1);
    const minutesAgo = (Date.now() - Date.parse(found.value[0]!.activityDateTime)) / 60_000;
    expect(minutesAgo).toBeGreaterThan(59);
    expect(minutesAgo).toBeLessThan(62);
    expect(found.value[0]!.targetResources[0]!.modifiedProperties[0]).toMatchObject({ displayName: 'Manager', newValue: JSON.stringify([user('ben.okafor').id]) });
    const xavierRecent = await worker.api('/auditLogs/directoryAudits')
      .filter(`targetResources/any(t: t/id eq '${user('xavier.roux').id}') and activityDateTime ge ${since}`).get() as { value: unknown[] };
    expect(xavierRecent.value).toHaveLength(0);
  });

  it("lists phone methods in Graph's own number format", async () => {
    const alice = await worker.api(`/users/${user('alice.novak').id}/authentication/phoneMethods`).get() as { value: Array<{ phoneType: string; phoneNumber: string }> };
    expect(alice.value.map((p) => p.phoneType).sort()).toEqual(['mobile', 'office']);
    expect(alice.value.find((p) => p.phoneType === 'mobile')!.phoneNumber).toMatch(/^\+1 \d{10}$/);
    expect(alice.value.find((p) => p.phoneType === 'office')!.phoneNumber).toMatch(/^\+1 \d{10}x123$/);
    const bob = await worker.api(`/users/${user('bob.lindqvist').id}/authentication/phoneMethods`).get() as { value: unknown[] };
    expect(bob.value).toHaveLength(0);
  });

  it('serves the TAP policy configuration', async () => {
    const policy = await worker.api('/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass').get() as Record<string, unknown>;
    expect(policy).toMatchObject({
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      state: 'enabled', minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, defaultLength: 8, isUsableOnce: false,
    });
  });
});

describe('entitlement management: access-package assignment requests', () => {
  const path = (id: string) => `/identityGovernance/entitlementManagement/assignmentRequests/${id}`;

  async function create(body: Record<string, unknown>): Promise<{ id: string; customExtensionStageInstanceId: string }> {
    const res = await simJson<{ id: string; customExtensionStageInstanceId: string }>(sim, 'POST', '/_sim/assignment-requests', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  it('serves a request Entra created with $select and $expand as Graph models it', async () => {
    const { id, customExtensionStageInstanceId } = await create({ requestor: 'ben.okafor', target: 'alice.novak' });
    const r = await worker.api(path(id)).select(['id', 'state', 'customExtensionCalloutInstances'])
      .expand(['requestor($select=objectId,displayName)', 'accessPackage', 'assignment($select=id;$expand=target)']).get() as Record<string, unknown>;
    expect(r).toMatchObject({
      id, state: 'pendingApproval',
      customExtensionCalloutInstances: [{ id: customExtensionStageInstanceId, status: 'waitingForCallback' }],
      requestor: { objectId: user('ben.okafor').id, displayName: 'Ben Okafor' },
      accessPackage: { displayName: 'Temporary Access Pass for a report' },
      assignment: { target: { objectId: user('alice.novak').id, principalName: user('alice.novak').upn } },
    });
    expect(Object.keys(r.requestor as object).sort()).toEqual(['displayName', 'objectId']);
    expect(r).not.toHaveProperty('status');
    // Without $expand, no relationship comes back.
    expect(await worker.api(path(id)).get()).not.toHaveProperty('requestor');
  });

  it('answers 404 for an id Entra never created, and for one registered only as waiting for a callback', async () => {
    expect((await graphFailure(worker.api(path('0e60f18c-b2a0-4887-9da8-da2e30a39d99')).get())).statusCode).toBe(404);
    await simJson(sim, 'POST', '/_sim/waiting-requests', { id: '1e60f18c-b2a0-4887-9da8-da2e30a39d99' });
    expect((await graphFailure(worker.api(path('1e60f18c-b2a0-4887-9da8-da2e30a39d99')).get())).statusCode).toBe(404);
  });

  it('rejects an unknown property in $expand, and a caller without EntitlementManagement.Read.All', async () => {
    const { id } = await create({ requestor: 'ben.okafor', target: 'alice.novak' });
    const bad = await graphFailure(worker.api(path(id)).expand('approvals').get());
    expect(bad.statusCode).toBe(400);
    expect(bad.message).toContain("Could not find a property named 'approvals'");
    const reader = graphClient(sim.url, new ManagedIdentityCredential({ clientId: app('directory-reader').appId }));
    expect((await graphFailure(reader.api(path(id)).get())).statusCode).toBe(403);
  });

  it('shows a request only once it has replicated, with the state of its stage and the package it is for', async () => {
    const late = await create({ requestor: 'ben.okafor', target: 'alice.novak', visibleAfterMs: 60_000 });
    expect((await graphFailure(worker.api(path(late.id)).get())).statusCode).toBe(404);
    const other = await create({ requestor: 'ben.okafor', target: 'bob.lindqvist', accessPackageId: 'Sales dashboard access', stage: 'assignmentRequestCreated' });
    expect(await worker.api(path(other.id)).select(['state']).expand(['accessPackage($select=displayName)']).get()).toMatchObject({
      state: 'submitted', accessPackage: { displayName: 'Sales dashboard access' },
    });
    expect((await simJson(sim, 'POST', '/_sim/assignment-requests', { requestor: 'nobody', target: 'alice.novak' })).status).toBe(400);
  });
});
