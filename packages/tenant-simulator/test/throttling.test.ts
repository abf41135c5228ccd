import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../src/call-log.js';
import { app, user } from './helpers/demo-org.js';
import { graphClient, StaticTokenCredential } from './helpers/graph-client.js';
import { startTenantSimulator, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson, testToken } from './helpers/sim-api.js';

let sim: TenantSimulatorProcess;
let token: string;
const workerAppId = app('tapline-worker').appId;

beforeAll(async () => {
  sim = await startTenantSimulator();
  token = await testToken(sim, { app: 'tapline-worker' });
});

afterAll(async () => {
  await sim?.stop();
});

/** Scaled-down identity limits; PATCH also refills every bucket. */
async function budget(settings: Record<string, number | boolean>): Promise<void> {
  const res = await simJson(sim, 'PATCH', '/_sim/throttle', { enabled: true, resourceUnits: 1000, resourceUnitWindowSeconds: 10, writes: 1000, writeWindowSeconds: 10, ...settings });
  expect(res.status).toBe(200);
  await simJson(sim, 'DELETE', '/_sim/calls');
}

const graphGet = (path: string) => fetch(`${sim.url}/v1.0${path}`, { headers: { authorization: `Bearer ${token}` } });

describe('identity throttling per app and tenant', () => {
  it('a client that ignores Retry-After gets 429s with the x-ms-throttle headers', async () => {
    await budget({ resourceUnits: 5, resourceUnitWindowSeconds: 1 });
    const statuses: number[] = [];
    let throttled: Response | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await graphGet(`/users/${user('alice.novak').id}`);
      statuses.push(res.status);
      if (res.status === 429) throttled ??= res;
      await res.arrayBuffer();
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(10);
    const retryAfter = Number(throttled!.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(1.01);
    expect(throttled!.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/ReadWrite/${workerAppId}/${sim.tenantId}`);
    expect(throttled!.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    expect(Number(throttled!.headers.get('x-ms-throttle-limit-percentage'))).toBeGreaterThanOrEqual(0.8);
  });

  it('a client that honours Retry-After (the Graph client RetryHandler) gets through at the configured budget', async () => {
    await budget({ resourceUnits: 5, resourceUnitWindowSeconds: 1 });
    const client = graphClient(sim.url, new StaticTokenCredential(token), { maxRetries: 10 });
    const n = 15;
    const started = Date.now();
    for (let i = 0; i < n; i++) {
      await expect(client.api(`/users/${user('alice.novak').id}`).get()).resolves.toMatchObject({ displayName: 'Alice Novak' });
    }
    const elapsed = (Date.now() - started) / 1000;
    // 5 units up front, then 5 per second: 10 more requests need about 2 s, and not much longer.
    expect(elapsed).toBeGreaterThanOrEqual(1.8);
    expect(elapsed).toBeLessThan(4);
    const calls = (await simJson<{ value: CallRecord[] }>(sim, 'GET', '/_sim/calls?kind=graph')).body.value;
    expect(calls.filter((c) => c.status === 200)).toHaveLength(n);
    expect(calls.filter((c) => c.status === 429).length).toBeGreaterThan(0);
  });

  it('counts POSTs against the write quota as well', async () => {
    await budget({ writes: 2, writeWindowSeconds: 4 });
    const post = () => fetch(`${sim.url}/v1.0/users/${user('bob.lindqvist').id}/authentication/temporaryAccessPassMethods`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    const third = await post();
    expect(third.status).toBe(429);
    expect(third.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect(third.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/Write/${workerAppId}/${sim.tenantId}`);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('Request_ThrottledTemporarily');
    // Reads still pass: the resource-unit bucket is not exhausted.
    expect((await graphGet(`/users/${user('bob.lindqvist').id}`)).status).toBe(200);
  });

  it('applies the reports limit to audit log reads', async () => {
    await budget({ reportsRequests: 2, reportsWindowSeconds: 2 });
    const audit = () => graphGet('/auditLogs/directoryAudits?$top=1');
    expect((await audit()).status).toBe(200);
    expect((await audit()).status).toBe(200);
    const third = await audit();
    expect(third.status).toBe(429);
    expect(third.headers.get('x-ms-throttle-information')).toBe('ReportsLimitExceeded');
  });
});
