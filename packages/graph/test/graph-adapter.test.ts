// The Graph adapter against the tenant simulator process: the shared conformance suite, then what
// only the real transport has (tokens, error translation on the wire, the shared throttle gate).

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManagedIdentityCredential } from '@azure/identity';
import { isPermanent, isRetryable } from '@tapline/domain';
import { createCredential, createGraphAdapters } from '@tapline/graph';
import type { GraphAdapterOptions, GraphAdapters } from '@tapline/graph';
import { startTenantSimulator, useManagedIdentityOf, type TenantSimulatorProcess } from '@tapline/test-harness';
import { demoApp } from '@tapline/tenant-simulator/demo-org';
import { changeFeedConformance } from './change-feed-conformance.js';
import { directoryConformance } from './conformance.js';
import { ORG } from './org.js';

const WORKER_APP_ID = demoApp('tapline-worker').appId;
const NO_PERMISSIONS_APP_ID = demoApp('no-permissions').appId;

let sim: TenantSimulatorProcess;
let restoreIdentity: (() => void) | undefined;

beforeAll(async () => {
  sim = await startTenantSimulator();
  // The App Service style managed identity endpoint, as Container Apps provides it in Azure.
  restoreIdentity = useManagedIdentityOf(sim);
});

afterAll(async () => {
  await sim?.stop();
  restoreIdentity?.();
});

function adapters(overrides: Partial<GraphAdapterOptions> = {}): GraphAdapters {
  return createGraphAdapters({
    baseUrl: sim.url,
    credential: createCredential({ kind: 'managed-identity' }),
    writeBudget: { requests: 3000, windowMs: 150_000 },
    reportsBudget: { requests: 5, windowMs: 10_000 },
    requestTimeoutMs: 5_000,
    ...overrides,
  });
}

directoryConformance('Graph adapter on the tenant simulator', async () => {
  expect((await sim.sim('POST', 'reset')).status).toBe(204);
  const graph = adapters();
  return {
    directory: graph.directory,
    tapIssuer: graph.tapIssuer,
    async currentTapSha256(userId) {
      const res = await sim.sim<{ sha256?: string }>('GET', `users/${userId}/tap`);
      return res.status === 200 ? res.body.sha256 : undefined;
    },
    async setTapPolicy(patch) {
      expect((await sim.sim('PATCH', 'tap-policy', patch)).status).toBe(200);
    },
    assignmentRequests: graph.assignmentRequests,
    async createRequest({ id, requestor, target, stageInstanceId, accessPackageId }) {
      const res = await sim.sim('POST', 'assignment-requests', { id, requestor, target, customExtensionStageInstanceId: stageInstanceId, accessPackageId });
      expect(res.status).toBe(201);
    },
  };
});

changeFeedConformance('Graph adapter on the tenant simulator', async () => {
  expect((await sim.sim('POST', 'reset')).status).toBe(204);
  const graph = adapters();
  const patch = async (userId: string, body: unknown) => expect((await sim.sim('PATCH', `users/${userId}`, body)).status).toBe(200);
  return {
    changes: graph.changes,
    setManager: (userId, managerId) => patch(userId, { manager: managerId }),
    async removeUser(userId) {
      expect((await sim.sim('DELETE', `users/${userId}`)).status).toBe(204);
    },
    registerMobile: (userId, number) => patch(userId, { phoneMethods: { mobile: number } }),
    async expireDeltaTokens() {
      expect((await sim.sim('POST', 'directory/expire-delta-tokens', {})).status).toBe(204);
    },
  };
});

describe('Graph adapter transport', () => {
  beforeEach(async () => {
    await sim.sim('POST', 'reset');
  });

  it('signs every call with the managed identity token and uses no retry handler', async () => {
    await sim.sim('POST', 'faults', { route: 'GET /v1.0/users/*', status: 503, count: 1 });
    const graph = adapters();
    await expect(graph.directory.getUser(ORG.alice, 'target')).rejects.toSatisfy(isRetryable);
    await graph.directory.getUser(ORG.alice, 'target');
    const calls = await sim.sim<{ value: Array<{ kind: string; status: number; appId: string | null }> }>('GET', 'calls?kind=graph');
    // Exactly two Graph calls: the SDK did not retry the 503 behind our back.
    expect(calls.body.value.map((c) => c.status)).toEqual([503, 200]);
    expect(calls.body.value[1]!.appId).toBe(WORKER_APP_ID);
    expect(graph.stats()).toMatchObject({ calls: 2, failed: 1, throttled: 0 });
  });

  it('turns a 429 into a RetryableError with the fractional Retry-After, and pauses every other call', async () => {
    await sim.sim('POST', 'faults', { route: 'GET /v1.0/users/*', status: 429, retryAfter: 0.45, count: 1 });
    const throttled: number[] = [];
    const graph = adapters({ onThrottled: (ms) => throttled.push(ms) });
    const error = await graph.directory.getUser(ORG.alice, 'target').catch((e: unknown) => e);
    expect(isRetryable(error)).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(450);
    expect(throttled).toEqual([450]);
    expect(graph.gate.remainingMs()).toBeGreaterThan(300);
    // A different operation of the same process waits at the gate instead of calling Graph.
    const started = Date.now();
    expect(await graph.directory.managerChain(ORG.alice, 1)).toEqual([ORG.ben]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(graph.stats().throttled).toBe(1);
  });

  it('maps a 403 (no application permission) to GraphForbidden', async () => {
    const graph = adapters({ credential: new ManagedIdentityCredential({ clientId: NO_PERMISSIONS_APP_ID }) });
    const error = await graph.directory.getUser(ORG.alice, 'target').catch((e: unknown) => e);
    expect(isPermanent(error) && error.reason).toBe('GraphForbidden');
  });

  it('treats a timeout and a refused connection as retryable', async () => {
    await sim.sim('POST', 'faults', { route: 'GET /v1.0/users/*', latencyMs: 1_500, count: 1 });
    const slow = adapters({ requestTimeoutMs: 200 });
    await expect(slow.directory.getUser(ORG.alice, 'target')).rejects.toSatisfy(isRetryable);
    const nowhere = adapters({ baseUrl: 'http://127.0.0.1:9' });
    await expect(nowhere.directory.getUser(ORG.alice, 'target')).rejects.toSatisfy(isRetryable);
  });

  it('maps a TAP creation 429 to retryable and backs the write limiter off', async () => {
    await sim.sim('POST', 'faults', { route: 'POST /v1.0/users/*/authentication/temporaryAccessPassMethods', status: 429, retryAfter: 0.05, count: 1 });
    const graph = adapters();
    await expect(graph.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true })).rejects.toSatisfy(isRetryable);
    expect(graph.writeLimiter.rateFraction()).toBe(0.5);
    const tap = await graph.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true });
    expect(tap.id).toBeTruthy();
    expect(graph.writeLimiter.rateFraction()).toBeGreaterThan(0.5);
    expect(graph.stats().writes).toBe(2);
  });

  it('caches the TAP policy for its TTL', async () => {
    const graph = adapters({ policyTtlMs: 60_000 });
    await Promise.all([graph.tapIssuer.policy(), graph.tapIssuer.policy()]);
    await graph.tapIssuer.policy();
    const calls = await sim.sim<{ value: unknown[] }>('GET', 'calls?kind=graph&pathContains=authenticationMethodConfigurations');
    expect(calls.body.value).toHaveLength(1);
  });

  it('hands the new secret to onSecret before returning it', async () => {
    const seen: string[] = [];
    const graph = adapters({ onSecret: (s) => seen.push(s) });
    const tap = await graph.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true });
    expect(seen).toEqual([tap.secret]);
  });

  it('calls resume with the callback data Entra expects', async () => {
    const requestId = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';
    const stageInstanceId = '957d0c50-466b-4840-bb5b-c92cea7141ff';
    await sim.sim('POST', 'waiting-requests', { id: requestId, stage: 'assignmentRequestApproved', customExtensionStageInstanceId: stageInstanceId });
    // The notifier resumes (EntitlementManagement.ReadWrite.All); the worker only reads.
    const graph = adapters({ credential: createCredential({ kind: 'managed-identity', clientId: demoApp('tapline-notifier').appId }) });
    await graph.entitlement.resume(requestId, { stage: 'assignmentRequestApproved', stageInstanceId, source: 'tapline', detail: 'TAP sent' });
    const waiting = await sim.sim<{ value: Array<{ id: string; requestStatus: string }> }>('GET', 'waiting-requests');
    expect(waiting.body.value.find((r) => r.id === requestId)?.requestStatus).toBe('Resumed');
  });

  it('reads an assignment request with the worker\'s least privilege, and Graph\'s 403 without it', async () => {
    const id = randomUUID();
    await sim.sim('POST', 'assignment-requests', { id, requestor: 'ben.okafor', target: 'alice.novak' });
    expect((await adapters().assignmentRequests.get(id))?.targetObjectId).toBe(ORG.alice);
    const reader = adapters({ credential: new ManagedIdentityCredential({ clientId: demoApp('directory-reader').appId }) });
    await expect(reader.assignmentRequests.get(id)).rejects.toMatchObject({ reason: 'GraphForbidden' });
  });

  it('answers "not found" until a new request has replicated, then reads it', async () => {
    const id = randomUUID();
    await sim.sim('POST', 'assignment-requests', { id, requestor: 'ben.okafor', target: 'alice.novak', visibleAfterMs: 60_000 });
    expect(await adapters().assignmentRequests.get(id)).toBeUndefined();
  });

  it('reports a Graph outage on the read as retryable, not as "not found"', async () => {
    await sim.sim('POST', 'faults', { route: 'GET /**/assignmentRequests/*', status: 503, count: 1 });
    await expect(adapters().assignmentRequests.get(randomUUID())).rejects.toSatisfy(isRetryable);
  });
});
