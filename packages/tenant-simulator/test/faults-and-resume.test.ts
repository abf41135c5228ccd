import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResumeCall } from '../src/directory/assignment-requests.js';
import { app, user } from './helpers/demo-org.js';
import { graphClient, graphFailure, StaticTokenCredential } from './helpers/graph-client.js';
import { startTenantSimulator, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson, testToken } from './helpers/sim-api.js';

let sim: TenantSimulatorProcess;
let notifierToken: string;

beforeAll(async () => {
  sim = await startTenantSimulator();
  notifierToken = await testToken(sim, { app: 'tapline-notifier' });
});

afterAll(async () => {
  await sim?.stop();
});

beforeEach(async () => {
  await simJson(sim, 'POST', '/_sim/reset', {});
});

describe('fault injection', () => {
  it('answers the next n matching calls with the injected status and Retry-After, then recovers', async () => {
    const fault = await simJson<{ id: string }>(sim, 'POST', '/_sim/faults', { route: 'GET /v1.0/users/*', status: 503, count: 2, retryAfter: 0.25 });
    expect(fault.status).toBe(201);
    const get = () => fetch(`${sim.url}/v1.0/users/${user('alice.novak').id}`, { headers: { authorization: `Bearer ${notifierToken}` } });
    const first = await get();
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('0.25');
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('ServiceUnavailable');
    expect((await get()).status).toBe(503);
    expect((await get()).status).toBe(200);
    // Other paths were never affected.
    const manager = await fetch(`${sim.url}/v1.0/users/${user('alice.novak').id}/manager`, { headers: { authorization: `Bearer ${notifierToken}` } });
    expect(manager.status).toBe(200);
  });

  it('lets the Graph client retry through a transient fault, and DELETE clears faults', async () => {
    await simJson(sim, 'POST', '/_sim/faults', { route: 'GET /v1.0/users/**', status: 429, count: 1, retryAfter: 0.1 });
    const client = graphClient(sim.url, new StaticTokenCredential(notifierToken), { maxRetries: 2 });
    await expect(client.api(`/users/${user('alice.novak').id}`).get()).resolves.toMatchObject({ displayName: 'Alice Novak' });
    await simJson(sim, 'POST', '/_sim/faults', { route: '* /v1.0/**', status: 500 });
    expect((await graphFailure(client.api(`/users/${user('alice.novak').id}`).get())).statusCode).toBe(500);
    expect((await simJson(sim, 'DELETE', '/_sim/faults')).status).toBe(204);
    await expect(client.api(`/users/${user('alice.novak').id}`).get()).resolves.toBeDefined();
  });

  it('injects latency, and faults on the token endpoint too', async () => {
    await simJson(sim, 'POST', '/_sim/faults', { route: 'GET /v1.0/users/{id}/manager', latencyMs: 300, count: 1 });
    const started = Date.now();
    const res = await fetch(`${sim.url}/v1.0/users/${user('alice.novak').id}/manager`, { headers: { authorization: `Bearer ${notifierToken}` } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await simJson(sim, 'POST', '/_sim/faults', { route: 'GET /msi/token', status: 500, count: 1 });
    const msi = await fetch(`${sim.url}/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com`, { headers: { 'x-identity-header': sim.identityHeader } });
    expect(msi.status).toBe(500);
  });

  it('rejects a malformed fault', async () => {
    expect((await simJson(sim, 'POST', '/_sim/faults', { route: 'nonsense', status: 500 })).status).toBe(400);
    expect((await simJson(sim, 'POST', '/_sim/faults', { route: 'GET /v1.0/users', status: 500, rate: 2 })).status).toBe(400);
  });
});

describe('entitlement management resume', () => {
  const requestId = 'f1a5d6b0-7d4a-4c1e-9a51-2b7f0d3c9e11';
  const stageInstance = '957d0c50-466b-4840-bb5b-c92cea7141ff';
  const resumeBody = (stage = 'assignmentRequestApproved', extra: Record<string, unknown> = {}) => ({
    source: 'tapline',
    type: `microsoft.graph.accessPackageCustomExtensionStage.${stage}`,
    data: {
      '@odata.type': 'microsoft.graph.accessPackageAssignmentRequestCallbackData',
      stage,
      customExtensionStageInstanceId: stageInstance,
      customExtensionStageInstanceDetail: 'TAP sent to phone ending 42',
      ...extra,
    },
  });
  const resumePath = (id: string) => `/identityGovernance/entitlementManagement/assignmentRequests/${id}/resume`;

  it('answers 204 while the request waits, then 400 (already resumed, unknown), recording every call', async () => {
    const client = graphClient(sim.url, new StaticTokenCredential(notifierToken));
    await simJson(sim, 'POST', '/_sim/waiting-requests', { id: requestId, stage: 'assignmentRequestApproved', customExtensionStageInstanceId: stageInstance });
    await expect(client.api(resumePath(requestId)).post(resumeBody())).resolves.toBeFalsy();
    const again = await graphFailure(client.api(resumePath(requestId)).post(resumeBody()));
    expect(again.statusCode).toBe(400);
    const unknown = await graphFailure(client.api(resumePath('00000000-0000-4000-8000-000000000000')).post(resumeBody()));
    expect(unknown.statusCode).toBe(400);
    const calls = (await simJson<{ value: ResumeCall[] }>(sim, 'GET', '/_sim/resume-calls')).body.value;
    expect(calls.map((c) => [c.requestId, c.status])).toEqual([[requestId, 204], [requestId, 400], ['00000000-0000-4000-8000-000000000000', 400]]);
    expect(calls[0]).toMatchObject({ appId: app('tapline-notifier').appId, version: 'v1.0', body: { data: { customExtensionStageInstanceDetail: 'TAP sent to phone ending 42' } } });
    const waiting = await simJson<{ value: Array<{ requestStatus: string }> }>(sim, 'GET', '/_sim/waiting-requests');
    expect(waiting.body.value[0]!.requestStatus).toBe('Resumed');
  });

  it('refuses a callback for another stage or stage instance, and accepts a denial', async () => {
    const client = graphClient(sim.url, new StaticTokenCredential(notifierToken), { version: 'beta' });
    await simJson(sim, 'POST', '/_sim/waiting-requests', { id: requestId, stage: 'assignmentRequestApproved', customExtensionStageInstanceId: stageInstance });
    expect((await graphFailure(client.api(resumePath(requestId)).post(resumeBody('assignmentRequestGranted')))).statusCode).toBe(400);
    expect((await graphFailure(client.api(resumePath(requestId)).post(resumeBody('assignmentRequestApproved', { customExtensionStageInstanceId: 'other' })))).statusCode).toBe(400);
    await expect(client.api(resumePath(requestId)).post(resumeBody('assignmentRequestApproved', { state: 'denied' }))).resolves.toBeFalsy();
  });

  it('needs EntitlementManagement.ReadWrite.All', async () => {
    await simJson(sim, 'POST', '/_sim/waiting-requests', { id: requestId });
    const reader = graphClient(sim.url, new StaticTokenCredential(await testToken(sim, { app: 'directory-reader' })));
    const err = await graphFailure(reader.api(resumePath(requestId)).post(resumeBody()));
    expect(err.statusCode).toBe(403);
    const calls = (await simJson<{ value: ResumeCall[] }>(sim, 'GET', '/_sim/resume-calls')).body.value;
    expect(calls).toHaveLength(1);
    expect(calls[0]!.status).toBe(403);
  });

  it('with autoWait, treats a request it has never seen as waiting once', async () => {
    await simJson(sim, 'PATCH', '/_sim/waiting-requests', { autoWait: true });
    try {
      const client = graphClient(sim.url, new StaticTokenCredential(notifierToken));
      await expect(client.api(resumePath(requestId)).post(resumeBody())).resolves.toBeFalsy();
      expect((await graphFailure(client.api(resumePath(requestId)).post(resumeBody()))).statusCode).toBe(400);
    } finally {
      await simJson(sim, 'PATCH', '/_sim/waiting-requests', { autoWait: false });
    }
  });
});
