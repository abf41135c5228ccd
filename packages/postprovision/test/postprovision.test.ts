// The postprovision hook, run as azd runs it (its bin, a child process, DefaultAzureCredential),
// against the tenant simulator standing in for Entra and Graph. The deployer is a managed identity
// of the simulator holding the Graph rights docs/deploy.md asks of the person deploying.
import { fileURLToPath } from 'node:url';
import { NOTIFIER_GRAPH_APP_ROLES } from '@tapline/notifier';
import { WORKER_GRAPH_APP_ROLES } from '@tapline/worker';
import { loadFixture, startTenantSimulator } from '@tapline/tenant-simulator';
import type { OrgFixture, TenantSimulator } from '@tapline/tenant-simulator';
import { spawnProcess } from '@tapline/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/postprovision.js', import.meta.url));
const CATALOG = '5c1f7f47-3f8a-4f57-9d1e-0f4f1c2b7a10';
const DEPLOYER = { name: 'deployer', appId: '0b7f6b1e-42c5-4f2e-9a43-6d5f2f3c1e01', servicePrincipalId: '1d5f0c7a-8e2b-4a61-b3c9-7e4d2a6f9b02' };
const SUBSCRIPTION = '6a2b1c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let sim: TenantSimulator;
let fixture: OrgFixture;

const app = (name: string) => fixture.apps.find((a) => a.name === name)!;

beforeAll(async () => {
  fixture = loadFixture();
  fixture.catalogs = [{ id: CATALOG, displayName: 'Service desk' }];
  fixture.apps.push({
    ...DEPLOYER,
    managedIdentity: true,
    roles: { graph: ['Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'EntitlementManagement.ReadWrite.All'] },
  });
  // Start from drift: the worker holds a role it does not declare and lacks one it does; the
  // notifier holds nothing yet.
  app('tapline-worker').roles = { graph: [...WORKER_GRAPH_APP_ROLES.filter((r) => r !== 'AuditLog.Read.All'), 'Directory.Read.All'] };
  app('tapline-notifier').roles = {};
  sim = await startTenantSimulator({ port: 0, org: fixture, throttle: { enabled: false } });
});

afterAll(async () => {
  await sim.close();
});

const INTAKE_URI = () => `api://${sim.tenantId}/tapline-intake-test`;

function azdEnvironment(deployerAppId = DEPLOYER.appId): NodeJS.ProcessEnv {
  return {
    // DefaultAzureCredential finds the simulator's App Service style managed-identity endpoint.
    IDENTITY_ENDPOINT: `${sim.url}/msi/token`,
    IDENTITY_HEADER: sim.identityHeader,
    AZURE_CLIENT_ID: deployerAppId,
    GRAPH_BASE_URL: sim.url,
    AZURE_TENANT_ID: sim.tenantId,
    AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
    AZURE_RESOURCE_GROUP: 'rg-tapline-test',
    INTAKE_APP_IDENTIFIER_URI: INTAKE_URI(),
    INTAKE_APP_DISPLAY_NAME: 'tapline intake (test)',
    RELAY_PRINCIPAL_ID: app('tapline-relay').servicePrincipalId,
    WORKER_PRINCIPAL_ID: app('tapline-worker').servicePrincipalId,
    NOTIFIER_PRINCIPAL_ID: app('tapline-notifier').servicePrincipalId,
    RELAY_WORKFLOW_NAME: 'logic-tapline-relay-test',
    ENTRA_CATALOG_ID: CATALOG,
  };
}

async function runHook(env: NodeJS.ProcessEnv = azdEnvironment()): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const hook = spawnProcess({ command: process.execPath, args: [BIN], env: { ...env, AZURE_TOKEN_CREDENTIALS: undefined }, name: 'postprovision' });
  const exit = await hook.exited;
  return { code: exit.code, stdout: hook.output('stdout'), stderr: hook.output('stderr') };
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  const res = await fetch(`${sim.url}${path}`, init);
  return (await res.json()) as T;
}

/** The roles claim of a fresh token the simulator issues `appName` for `resource`. */
async function rolesOf(appName: string, resource: string): Promise<string[]> {
  const token = await json<{ access_token: string }>(`/msi/${appName}/token?api-version=2019-08-01&resource=${encodeURIComponent(resource)}`, {
    headers: { 'x-identity-header': sim.identityHeader },
  });
  const claims = JSON.parse(Buffer.from(token.access_token.split('.')[1]!, 'base64url').toString()) as { roles?: string[] };
  return [...(claims.roles ?? [])].sort();
}

const writes = (calls: { method: string }[]) => calls.filter((c) => c.method !== 'GET');

describe('the postprovision hook against the tenant simulator', () => {
  it('creates the intake app, grants exactly the declared roles, creates the custom extension; a second run changes nothing', async () => {
    const first = await runHook();
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/created\s+app registration tapline intake \(test\)/);
    expect(first.stdout).toMatch(/removed\s+worker: Microsoft Graph Directory\.Read\.All/);
    expect(first.stdout).toContain('Still to do by hand:');
    expect(first.stdout).toMatch(/Buy an SMS-capable/);

    // What Entra now issues: each identity's token carries exactly what tapline declares.
    expect(await rolesOf('tapline-worker', 'https://graph.microsoft.com')).toEqual([...WORKER_GRAPH_APP_ROLES].sort());
    expect(await rolesOf('tapline-notifier', 'https://graph.microsoft.com')).toEqual([...NOTIFIER_GRAPH_APP_ROLES].sort());
    expect(await rolesOf('tapline-relay', INTAKE_URI())).toEqual(['Intake.Submit']);

    const extensions = await json<{ value: Record<string, unknown>[] }>(`/v1.0/identityGovernance/entitlementManagement/catalogs/${CATALOG}/customWorkflowExtensions`, {
      headers: { authorization: `Bearer ${(await json<{ access_token: string }>('/msi/deployer/token?api-version=2019-08-01&resource=https://graph.microsoft.com', { headers: { 'x-identity-header': sim.identityHeader } })).access_token}` },
    });
    expect(extensions.value).toHaveLength(1);
    expect(extensions.value[0]).toMatchObject({
      displayName: 'tapline',
      endpointConfiguration: { subscriptionId: SUBSCRIPTION, resourceGroupName: 'rg-tapline-test', logicAppWorkflowName: 'logic-tapline-relay-test' },
      authenticationConfiguration: { '@odata.type': '#microsoft.graph.azureAdPopTokenAuthentication' },
      callbackConfiguration: { durationBeforeTimeout: 'PT4H' },
    });

    await fetch(`${sim.url}/_sim/calls`, { method: 'DELETE' });
    const second = await runHook();
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing changed.');
    expect(second.stdout).not.toMatch(/^\s+(created|updated|removed)\s/m);
    const calls = await json<{ value: { method: string; path: string }[] }>('/_sim/calls?kind=graph');
    expect(calls.value.length).toBeGreaterThan(0);
    expect(writes(calls.value)).toEqual([]);
    // Same app, not a second one.
    expect(second.stdout.match(/appId ([0-9a-f-]{36})/)?.[1]).toBe(first.stdout.match(/appId ([0-9a-f-]{36})/)?.[1]);
  });

  it('reports the known custom-extension refusal as a manual step and finishes the rest; the next run creates it', async () => {
    const env = { ...azdEnvironment(), RELAY_WORKFLOW_NAME: 'logic-never-linked' };
    const fault = await json<{ id: string }>('/_sim/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'PUT /v1.0/identityGovernance/entitlementManagement/catalogs/*/customWorkflowExtensions/*', status: 400, count: 1 }),
    });
    const refused = await runHook(env);
    expect(refused.code).toBe(0);
    expect(refused.stdout).toMatch(/failed\s+custom extension tapline/);
    expect(refused.stdout).toContain('choose the Logic App logic-never-linked');
    await fetch(`${sim.url}/_sim/faults/${fault.id}`, { method: 'DELETE' });
    const retried = await runHook(env);
    expect(retried.stdout).toMatch(/updated\s+custom extension tapline/);
  });

  it('stops with the rights it needs named when the deployer may not write applications', async () => {
    const denied = await runHook(azdEnvironment(app('directory-reader').appId));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Privileged Role Administrator');
  });

  it('names the missing azd values (exit 2)', async () => {
    const { RELAY_PRINCIPAL_ID: _, ...incomplete } = azdEnvironment();
    const run = await runHook(incomplete);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('RELAY_PRINCIPAL_ID');
  });
});
