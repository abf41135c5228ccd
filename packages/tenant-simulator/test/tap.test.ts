import { createHash } from 'node:crypto';
import { ManagedIdentityCredential } from '@azure/identity';
import type { Client } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tapAlphabet } from '../src/directory/tap-secret.js';
import { app, user } from './helpers/demo-org.js';
import { graphClient, graphFailure } from './helpers/graph-client.js';
import { startTenantSimulator, useManagedIdentityOf, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson } from './helpers/sim-api.js';

interface TapMethod {
  id: string;
  temporaryAccessPass: string | null;
  lifetimeInMinutes: number;
  isUsableOnce: boolean;
  isUsable: boolean;
  methodUsabilityReason: string;
}

let sim: TenantSimulatorProcess;
let worker: Client;
let restoreIdentity: (() => void) | undefined;
const tapsOf = (id: string) => `/users/${id}/authentication/temporaryAccessPassMethods`;
const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

beforeAll(async () => {
  // --log-requests so stdout has per-request lines to scan for leaked secrets.
  sim = await startTenantSimulator(['--log-requests']);
  restoreIdentity = useManagedIdentityOf(sim);
  worker = graphClient(sim.url, new ManagedIdentityCredential({ clientId: app('tapline-worker').appId }));
});

afterAll(async () => {
  await sim?.stop();
  restoreIdentity?.();
});

beforeEach(async () => {
  expect((await simJson(sim, 'POST', '/_sim/reset', {})).status).toBe(204);
});

describe('one TAP per user, the secret only in the create response', () => {
  it('a second TAP silently replaces the first; /_sim reports the second; the secrets appear nowhere else', async () => {
    const alice = user('alice.novak');
    const first = await worker.api(tapsOf(alice.upn)).post({ lifetimeInMinutes: 60, isUsableOnce: false }) as TapMethod;
    const second = await worker.api(tapsOf(alice.upn)).post({ lifetimeInMinutes: 120, isUsableOnce: true }) as TapMethod;
    expect(first.temporaryAccessPass).toBeTruthy();
    expect(second.temporaryAccessPass).toBeTruthy();
    expect(second.id).not.toBe(first.id);
    expect(second).toMatchObject({ lifetimeInMinutes: 120, isUsableOnce: true, isUsable: true, methodUsabilityReason: 'EnabledByPolicy' });

    // The first is gone: the list holds only the second, without its secret.
    const list = await worker.api(tapsOf(alice.id)).get() as { value: TapMethod[] };
    expect(list.value.map((t) => t.id)).toEqual([second.id]);
    expect(list.value[0]!.temporaryAccessPass).toBeNull();
    expect((await graphFailure(worker.api(`${tapsOf(alice.id)}/${first.id}`).get())).statusCode).toBe(404);
    const got = await worker.api(`${tapsOf(alice.id)}/${second.id}`).get() as TapMethod;
    expect(got.temporaryAccessPass).toBeNull();

    const inspected = await simJson<Record<string, unknown>>(sim, 'GET', `/_sim/users/${alice.upn}/tap`);
    expect(inspected.status).toBe(200);
    expect(inspected.body).toMatchObject({ id: second.id, sha256: sha256(second.temporaryAccessPass!), lifetimeInMinutes: 120, isUsableOnce: true });
    expect(inspected.body.sha256).not.toBe(sha256(first.temporaryAccessPass!));

    const everywhere = [
      JSON.stringify((await simJson(sim, 'GET', '/_sim/calls')).body),
      JSON.stringify((await simJson(sim, 'GET', `/_sim/users/${alice.id}/tap`)).body),
      JSON.stringify((await simJson(sim, 'GET', '/_sim/info')).body),
      JSON.stringify(await worker.api('/auditLogs/directoryAudits').get()),
      sim.process.output('stdout'),
      sim.process.output('stderr'),
    ].join('\n');
    expect(sim.process.output('stdout')).toMatch(/POST \/users\/\{user\}\/authentication\/temporaryAccessPassMethods 201/);
    for (const secret of [first.temporaryAccessPass!, second.temporaryAccessPass!]) {
      expect(everywhere.includes(secret)).toBe(false);
    }
  });

  it('deletes the current TAP (204), after which /_sim reports none', async () => {
    const bob = user('bob.lindqvist');
    const tap = await worker.api(tapsOf(bob.id)).post({}) as TapMethod;
    expect(tap.lifetimeInMinutes).toBe(60);
    await worker.api(`${tapsOf(bob.id)}/${tap.id}`).delete();
    expect((await simJson(sim, 'GET', `/_sim/users/${bob.id}/tap`)).status).toBe(404);
    expect((await graphFailure(worker.api(`${tapsOf(bob.id)}/${tap.id}`).delete())).statusCode).toBe(404);
  });

  it('draws secrets of the policy length from the documented alphabet, every class present', async () => {
    const classes = Object.values(tapAlphabet);
    const carol = user('carol.white');
    for (const length of [8, 12]) {
      expect((await simJson(sim, 'PATCH', '/_sim/tap-policy', { defaultLength: length })).status).toBe(200);
      for (let i = 0; i < 5; i++) {
        const secret = (await worker.api(tapsOf(carol.id)).post({}) as TapMethod).temporaryAccessPass!;
        expect(secret).toHaveLength(length);
        expect([...secret].every((ch) => classes.some((c) => c.includes(ch)))).toBe(true);
        for (const c of classes) expect([...secret].some((ch) => c.includes(ch))).toBe(true);
      }
    }
  });
});

describe('policy-bound validation and documented errors', () => {
  it('refuses a lifetime outside the policy with the documented message', async () => {
    const err = await graphFailure(worker.api(tapsOf(user('alice.novak').id)).post({ lifetimeInMinutes: 30 }));
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('Invalid LifetimeInMinutes specified. The valid range between 60 and 480.');
    const tooLong = await graphFailure(worker.api(tapsOf(user('alice.novak').id)).post({ lifetimeInMinutes: 481 }));
    expect(tooLong.statusCode).toBe(400);
    expect((await simJson(sim, 'GET', `/_sim/users/${user('alice.novak').id}/tap`)).status).toBe(404);
  });

  it('refuses an external guest but not an internal guest', async () => {
    const err = await graphFailure(worker.api(tapsOf(user('ivan.petrov').id)).post({}));
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('Temporary Access Pass cannot be added to an external guest user.');
    const internal = await worker.api(tapsOf(user('judy.tanaka').id)).post({}) as TapMethod;
    expect(internal.temporaryAccessPass).toBeTruthy();
  });

  it('forces one-time use when the policy requires it and refuses an explicit multi-use request', async () => {
    await simJson(sim, 'PATCH', '/_sim/tap-policy', { isUsableOnce: true });
    const dave = user('dave.kim');
    const tap = await worker.api(tapsOf(dave.id)).post({}) as TapMethod;
    expect(tap.isUsableOnce).toBe(true);
    expect((await graphFailure(worker.api(tapsOf(dave.id)).post({ isUsableOnce: false }))).statusCode).toBe(400);
    const redeemed = await simJson<{ isUsable: boolean; methodUsabilityReason: string }>(sim, 'POST', `/_sim/users/${dave.id}/tap/redeem`, {});
    expect(redeemed.body).toMatchObject({ isUsable: false, methodUsabilityReason: 'OneTimeUsed' });
  });

  it('refuses creation when the policy is disabled or excludes a group the user is in (nested)', async () => {
    await simJson(sim, 'PATCH', '/_sim/tap-policy', { excludeGroups: ['Tier 0 Engineers'] });
    const excluded = await graphFailure(worker.api(tapsOf(user('paul.schmidt').id)).post({}));
    expect(excluded.statusCode).toBe(400);
    expect(excluded.message).toMatch(/does not allow creating/);
    await expect(worker.api(tapsOf(user('alice.novak').id)).post({})).resolves.toBeDefined();
    await simJson(sim, 'PATCH', '/_sim/tap-policy', { state: 'disabled', excludeGroups: [] });
    expect((await graphFailure(worker.api(tapsOf(user('alice.novak').id)).post({}))).statusCode).toBe(400);
  });

  it('writes an "Admin registered security info" audit entry naming the calling app', async () => {
    const alice = user('alice.novak');
    await worker.api(tapsOf(alice.id)).post({});
    const audits = await worker.api('/auditLogs/directoryAudits')
      .filter(`activityDisplayName eq 'Admin registered security info' and targetResources/any(t: t/id eq '${alice.id}')`).get() as { value: Array<{ initiatedBy: { app: { appId: string } } }> };
    expect(audits.value).toHaveLength(1);
    expect(audits.value[0]!.initiatedBy.app.appId).toBe(app('tapline-worker').appId);
  });
});
