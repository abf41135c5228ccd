// users/delta and the audit log's ingestion latency, over HTTP with a real Graph client token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTenantSimulator, type TenantSimulatorProcess } from '@tapline/test-harness';
import { user } from './helpers/demo-org.js';
import { simJson, testToken } from './helpers/sim-api.js';

let sim: TenantSimulatorProcess;
let token: string;

beforeAll(async () => {
  sim = await startTenantSimulator();
  token = await testToken(sim, { app: 'tapline-worker', audience: 'https://graph.microsoft.com' });
});

afterAll(async () => {
  await sim?.stop();
});

beforeEach(async () => {
  expect((await simJson(sim, 'POST', '/_sim/reset', {})).status).toBe(204);
  expect((await simJson(sim, 'PATCH', '/_sim/directory', { auditLatencySeconds: 0, deltaPageSize: 200 })).status).toBe(200);
});

interface DeltaPage {
  value: Array<Record<string, unknown>>;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

async function graphGet(url: string): Promise<{ status: number; body: DeltaPage & { error?: { code: string; message: string } } }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.json() as DeltaPage & { error?: { code: string; message: string } } };
}

/** Follows nextLinks to the deltaLink: one round. */
async function round(start: string): Promise<{ items: Array<Record<string, unknown>>; pages: number; deltaLink: string }> {
  const items: Array<Record<string, unknown>> = [];
  let url = start;
  for (let pages = 1; pages <= 100; pages++) {
    const { status, body } = await graphGet(url);
    expect(status).toBe(200);
    items.push(...body.value);
    if (body['@odata.deltaLink']) return { items, pages, deltaLink: body['@odata.deltaLink'] };
    url = body['@odata.nextLink']!;
  }
  throw new Error('no deltaLink after 100 pages');
}

const first = () => `${sim.url}/v1.0/users/delta?$select=id,accountEnabled,userType,manager,mail`;

describe('users/delta', () => {
  it('pages a full sync with nextLinks, then a deltaLink round returns nothing when nothing changed', async () => {
    await simJson(sim, 'PATCH', '/_sim/directory', { deltaPageSize: 3 });
    const users = (await simJson<{ value: unknown[] }>(sim, 'GET', '/_sim/users')).body.value;
    const full = await round(first());
    expect(full.items).toHaveLength(users.length);
    expect(full.pages).toBe(Math.ceil(users.length / 3));
    const alice = full.items.find((u) => u.id === user('alice.novak').id)!;
    expect(alice).toEqual({
      id: user('alice.novak').id, accountEnabled: true, userType: 'Member', mail: 'alice.novak@contoso.example',
      'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: user('ben.okafor').id }],
    });
    expect(full.items.find((u) => u.id === user('olivia.chen').id)).not.toHaveProperty('manager@delta');
    const next = await round(full.deltaLink);
    expect(next.items).toEqual([]);
  });

  it('reports a manager change, a manager removed (@removed) and a deleted user in the next round', async () => {
    const full = await round(first());
    await simJson(sim, 'PATCH', `/_sim/users/${user('alice.novak').id}`, { manager: user('oscar.reyes').id });
    await simJson(sim, 'PATCH', `/_sim/users/${user('carol.white').id}`, { manager: null });
    await simJson(sim, 'PATCH', `/_sim/users/${user('dave.kim').id}`, { mail: 'dave.new@contoso.example' });
    expect((await simJson(sim, 'DELETE', `/_sim/users/${user('henry.adams').id}`)).status).toBe(204);
    const next = await round(full.deltaLink);
    const byId = new Map(next.items.map((u) => [u.id, u]));
    expect(byId.get(user('alice.novak').id)?.['manager@delta']).toEqual([{ '@odata.type': '#microsoft.graph.user', id: user('oscar.reyes').id }]);
    expect(byId.get(user('carol.white').id)?.['manager@delta']).toEqual([
      { '@odata.type': '#microsoft.graph.user', id: user('ben.okafor').id, '@removed': { reason: 'deleted' } },
    ]);
    expect(byId.get(user('dave.kim').id)).toMatchObject({ mail: 'dave.new@contoso.example' });
    expect(byId.get(user('dave.kim').id)).not.toHaveProperty('manager@delta');
    expect(byId.get(user('henry.adams').id)).toEqual({ '@odata.type': '#microsoft.graph.user', id: user('henry.adams').id, '@removed': { reason: 'changed' } });
    // The round after that starts from the new token: nothing new.
    expect((await round(next.deltaLink)).items).toEqual([]);
  });

  it('answers an expired or unknown state token with 400 syncStateNotFound, and a full sync starts over', async () => {
    const full = await round(first());
    expect((await simJson(sim, 'POST', '/_sim/directory/expire-delta-tokens', {})).status).toBe(204);
    const expired = await graphGet(full.deltaLink);
    expect(expired.status).toBe(400);
    expect(expired.body.error?.code).toBe('syncStateNotFound');
    const unknown = await graphGet(`${sim.url}/v1.0/users/delta?$deltatoken=not-a-token`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error?.code).toBe('syncStateNotFound');
    expect((await round(first())).items.length).toBe(full.items.length);
  });
});

describe('audit log ingestion latency', () => {
  it('keeps a manager change out of /auditLogs/directoryAudits until the latency has passed', async () => {
    await simJson(sim, 'PATCH', '/_sim/directory', { auditLatencySeconds: 120 });
    const alice = user('alice.novak').id;
    await simJson(sim, 'PATCH', `/_sim/users/${alice}`, { manager: user('oscar.reyes').id });
    await simJson(sim, 'PATCH', `/_sim/users/${user('carol.white').id}`, { manager: user('oscar.reyes').id, minutesAgo: 3 });
    const filter = encodeURIComponent("activityDisplayName eq 'Update user'");
    const { body } = await graphGet(`${sim.url}/v1.0/auditLogs/directoryAudits?$filter=${filter}`);
    const targets = body.value.map((e) => (e.targetResources as Array<{ id: string }>)[0]!.id);
    expect(targets).not.toContain(alice);
    expect(targets).toContain(user('carol.white').id);
    // The change itself is visible to users/delta at once.
    await simJson(sim, 'PATCH', '/_sim/directory', { auditLatencySeconds: 0 });
    const now = await graphGet(`${sim.url}/v1.0/auditLogs/directoryAudits?$filter=${filter}`);
    expect(now.body.value.map((e) => (e.targetResources as Array<{ id: string }>)[0]!.id)).toContain(alice);
  });

  it('logs a phone method registration as security info naming the method, never the number', async () => {
    const alice = user('alice.novak').id;
    await simJson(sim, 'PATCH', `/_sim/users/${alice}`, { phoneMethods: { mobile: '+1 4255550199' }, changedBy: alice });
    const filter = encodeURIComponent("loggedByService eq 'Authentication Methods'");
    const { body } = await graphGet(`${sim.url}/v1.0/auditLogs/directoryAudits?$filter=${filter}`);
    const entry = body.value.find((e) => (e.targetResources as Array<{ id: string }>)[0]!.id === alice)!;
    expect(entry).toMatchObject({ activityDisplayName: 'User registered security info', additionalDetails: [{ key: 'Method', value: 'Mobile Phone' }] });
    expect(JSON.stringify(entry)).not.toContain('4255550199');
  });
});
