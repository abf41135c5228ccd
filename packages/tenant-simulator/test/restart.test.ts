import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { user } from './helpers/demo-org.js';
import { startTenantSimulator, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson, testToken } from './helpers/sim-api.js';

const dir = mkdtempSync(join(tmpdir(), 'tenant-sim-keys-'));
const running: TenantSimulatorProcess[] = [];

afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

it('with --keys-file, a token issued before a restart is still accepted after it; without, it is not', async () => {
  const keysFile = join(dir, 'keys.json');
  const first = await startTenantSimulator(['--keys-file', keysFile]);
  running.push(first);
  const token = await testToken(first, { app: 'tapline-worker' });
  await first.stop();

  const second = await startTenantSimulator(['--keys-file', keysFile]);
  running.push(second);
  const get = (sim: TenantSimulatorProcess) => fetch(`${sim.url}/v1.0/users/${user('alice.novak').id}`, { headers: { authorization: `Bearer ${token}` } });
  expect((await get(second)).status).toBe(200);

  const fresh = await startTenantSimulator();
  running.push(fresh);
  expect((await get(fresh)).status).toBe(401);
  // The /_sim/users listing shows what tests pick users by.
  const users = await simJson<{ value: Array<{ userPrincipalName: string; activeRoles: string[]; directReports: number }> }>(second, 'GET', '/_sim/users');
  expect(users.body.value.find((u) => u.userPrincipalName.startsWith('frank.moreau@'))!.activeRoles).toEqual(['Authentication Administrator']);
  expect(users.body.value.find((u) => u.userPrincipalName.startsWith('ben.okafor@'))!.directReports).toBeGreaterThanOrEqual(10);
});
