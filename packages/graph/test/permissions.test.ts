// GRAPH_PERMISSIONS holds each adapter method to the app roles it declares, against the tenant
// simulator (which checks each Graph operation's permission list as Graph's reference gives it):
// with exactly the declared roles the method works; without any one of them it gets 403. So the
// roles the deployment grants (graphAppRolesFor of what a service uses) are enough and none is idle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { isPermanent } from '@tapline/domain';
import { GRAPH_PERMISSIONS, createGraphAdapters, graphAppRolesFor } from '@tapline/graph';
import type { GraphAdapters, GraphPermissionTable } from '@tapline/graph';
import { loadFixture, startTenantSimulator } from '@tapline/tenant-simulator';
import type { FixtureApp, TenantSimulator } from '@tapline/tenant-simulator';
import { ORG } from './org.js';

const PROBE: FixtureApp = { name: 'permission-probe', appId: '7e0d3c61-5f2a-4b8e-9c1d-2a3b4c5d6e7f', servicePrincipalId: '3f2e1d0c-9b8a-4c7d-8e6f-5a4b3c2d1e0f', managedIdentity: true, roles: {} };

let sim: TenantSimulator;
let probe: FixtureApp;

beforeAll(async () => {
  const fixture = loadFixture();
  fixture.apps.push(structuredClone(PROBE));
  sim = await startTenantSimulator({ port: 0, org: fixture, throttle: { enabled: false } });
  probe = sim.state.issuer.apps.find((a) => a.name === PROBE.name)!;
});

afterAll(async () => {
  await sim.close();
});

/** A fresh token on every call (the roles change between calls; MSAL would cache). */
const probeCredential: TokenCredential = {
  async getToken(): Promise<AccessToken> {
    const res = await fetch(`${sim.url}/msi/${PROBE.name}/token?api-version=2019-08-01&resource=https://graph.microsoft.com`, { headers: { 'x-identity-header': sim.identityHeader } });
    const body = (await res.json()) as { access_token: string };
    return { token: body.access_token, expiresOnTimestamp: Date.now() + 60_000 };
  },
};

function adaptersWith(roles: readonly string[]): GraphAdapters {
  probe.roles = { graph: [...roles] };
  return createGraphAdapters({
    baseUrl: sim.url,
    credential: probeCredential,
    writeBudget: { requests: 3000, windowMs: 150_000 },
    reportsBudget: { requests: 1000, windowMs: 10_000 },
    requestTimeoutMs: 5_000,
    policyTtlMs: 0,
  });
}

let waiting = 0;
/** One call of each method, as the services make it. */
const calls: { [A in keyof GraphPermissionTable]: { [M in keyof GraphPermissionTable[A]]: (g: GraphAdapters) => Promise<unknown> } } = {
  directory: {
    getUser: (g) => g.directory.getUser(ORG.alice, 'target'),
    managerChain: (g) => g.directory.managerChain(ORG.alice, 2),
    activeRoleCount: (g) => g.directory.activeRoleCount(ORG.frank),
    eligibleRoleCount: (g) => g.directory.eligibleRoleCount(ORG.grace),
    groupMemberships: (g) => g.directory.groupMemberships(ORG.paul, [ORG.tier0Group]),
    contacts: (g) => g.directory.contacts(ORG.alice, 'target'),
  },
  tapIssuer: {
    policy: (g) => g.tapIssuer.policy(),
    create: (g) => g.tapIssuer.create(ORG.alice, { lifetimeMinutes: 60, isUsableOnce: true }),
  },
  entitlement: {
    resume: async (g) => {
      const id = `00000000-0000-4000-8000-${String(++waiting).padStart(12, '0')}`;
      await fetch(`${sim.url}/_sim/waiting-requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) });
      return g.entitlement.resume(id, { stage: 'assignmentRequestGranted', stageInstanceId: 'x', source: 'test' });
    },
  },
  assignmentRequests: {
    // A request Graph does not know reads as undefined with the permission, and 403 without it.
    get: (g) => g.assignmentRequests.get('00000000-0000-4000-8000-00000000abcd'),
  },
  changes: {
    deltaRound: (g) => g.changes.deltaRound(undefined),
    auditChanges: (g) => g.changes.auditChanges(new Date(Date.now() - 3_600_000)),
  },
};

const forbidden = (err: unknown): boolean => isPermanent(err) && err.reason === 'GraphForbidden';

const cases = (Object.keys(calls) as (keyof GraphPermissionTable)[]).flatMap((adapter) =>
  Object.entries(calls[adapter]).map(([method, call]) => ({
    name: `${adapter}.${method}`,
    declared: (GRAPH_PERMISSIONS[adapter] as Record<string, readonly string[]>)[method]!,
    call: call,
  })));

describe('the Graph permissions each adapter method declares', () => {
  it.each(cases)('$name: works with exactly its declared roles, and gets 403 without any one of them', async ({ declared, call }) => {
    await call(adaptersWith(declared));
    for (const dropped of declared) {
      await expect(call(adaptersWith(declared.filter((r) => r !== dropped))), `without ${dropped}`).rejects.toSatisfy(forbidden);
    }
  });

  it('declares a call for every method (the table and this test cannot drift apart)', () => {
    for (const adapter of Object.keys(GRAPH_PERMISSIONS) as (keyof GraphPermissionTable)[]) {
      expect(Object.keys(calls[adapter]).sort()).toEqual(Object.keys(GRAPH_PERMISSIONS[adapter]).sort());
    }
  });

  it('grants a service the union of what it uses, without a read its write already covers', () => {
    expect(graphAppRolesFor({ directory: ['getUser'], entitlement: ['resume'] })).toEqual(['EntitlementManagement.ReadWrite.All', 'User.Read.All']);
    const worker = graphAppRolesFor({ directory: 'all', tapIssuer: 'all' });
    expect(worker).toContain('UserAuthenticationMethod.ReadWrite.All');
    expect(worker).not.toContain('UserAuthenticationMethod.Read.All');
  });
});
