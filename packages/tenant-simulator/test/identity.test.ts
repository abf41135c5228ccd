import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from './helpers/demo-org.js';
import { startTenantSimulator, useManagedIdentityOf, type TenantSimulatorProcess } from '@tapline/test-harness';
import { simJson } from './helpers/sim-api.js';

let sim: TenantSimulatorProcess;
let restoreIdentity: (() => void) | undefined;

beforeAll(async () => {
  sim = await startTenantSimulator();
  // Exactly what a service needs to get managed-identity tokens from the simulator.
  restoreIdentity = useManagedIdentityOf(sim);
});

afterAll(async () => {
  await sim?.stop();
  restoreIdentity?.();
});

describe('managed identity through the real ManagedIdentityCredential', () => {
  it('gets a Graph token for the default identity (the worker) carrying its permissions', async () => {
    const token = await new ManagedIdentityCredential().getToken('https://graph.microsoft.com/.default');
    const claims = decodeJwt(token.token);
    expect(claims.aud).toBe('https://graph.microsoft.com');
    expect(claims.iss).toBe(`https://sts.windows.net/${sim.tenantId}/`);
    expect(claims.appid).toBe(app('tapline-worker').appId);
    expect(claims.oid).toBe(app('tapline-worker').servicePrincipalId);
    expect(claims.roles).toEqual(expect.arrayContaining(['UserAuthenticationMethod.ReadWrite.All', 'RoleManagement.Read.Directory', 'AuditLog.Read.All']));
    expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now() + 3600_000);
  });

  it('selects a user-assigned identity by client id', async () => {
    const notifier = app('tapline-notifier');
    const token = await new ManagedIdentityCredential({ clientId: notifier.appId }).getToken('https://graph.microsoft.com/.default');
    const claims = decodeJwt(token.token);
    expect(claims.appid).toBe(notifier.appId);
    expect(claims.roles).toEqual(['User.Read.All', 'EntitlementManagement.ReadWrite.All']);
  });

  it('issues tokens that verify against the published JWKS, found through OpenID metadata', async () => {
    const token = await new ManagedIdentityCredential().getToken('https://graph.microsoft.com/.default');
    const meta = await simJson<{ jwks_uri: string; issuer: string }>(sim, 'GET', `/${sim.tenantId}/.well-known/openid-configuration`);
    expect(meta.body.issuer).toBe(`https://sts.windows.net/${sim.tenantId}/`);
    const jwks = createRemoteJWKSet(new URL(meta.body.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(token.token, jwks, { issuer: meta.body.issuer, audience: 'https://graph.microsoft.com' });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.tid).toBe(sim.tenantId);
  });

  it('fixes the identity by path for processes whose IDENTITY_ENDPOINT names it', async () => {
    const res = await fetch(`${sim.url}/msi/tapline-notifier/token?api-version=2019-08-01&resource=https://graph.microsoft.com`, { headers: { 'x-identity-header': sim.identityHeader } });
    expect(res.status).toBe(200);
    const body = await res.json() as { access_token: string; client_id: string };
    expect(body.client_id).toBe(app('tapline-notifier').appId);
    expect(decodeJwt(body.access_token).appid).toBe(app('tapline-notifier').appId);
  });

  it('rejects a wrong identity header the way the App Service endpoint does', async () => {
    const res = await fetch(`${sim.url}/msi/token?api-version=2019-08-01&resource=https://graph.microsoft.com`, { headers: { 'x-identity-header': 'wrong' } });
    expect(res.status).toBe(401);
  });

  it('has no token for an unknown identity', async () => {
    await expect(new ManagedIdentityCredential({ clientId: '11111111-1111-1111-1111-111111111111' }).getToken('https://graph.microsoft.com/.default'))
      .rejects.toThrow();
  });
});

describe('v2 metadata and the client-credentials token endpoint', () => {
  it('serves v2 OpenID metadata whose JWKS lists the issuer per key', async () => {
    const meta = await simJson<{ issuer: string; jwks_uri: string; token_endpoint: string }>(sim, 'GET', `/${sim.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(meta.body.issuer).toBe(`https://login.microsoftonline.com/${sim.tenantId}/v2.0`);
    expect(meta.body.token_endpoint).toBe(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`);
    const keys = await (await fetch(meta.body.jwks_uri)).json() as { keys: Array<{ kid: string; issuer: string; kty: string }> };
    expect(keys.keys.length).toBeGreaterThanOrEqual(2);
    expect(keys.keys.every((k) => k.kty === 'RSA' && k.issuer === meta.body.issuer)).toBe(true);
  });

  it('issues a client-credentials token for a correct secret and refuses a wrong one', async () => {
    const automation = app('tapline-automation');
    const form = (secret: string) => new URLSearchParams({ grant_type: 'client_credentials', client_id: automation.appId, client_secret: secret, scope: 'https://graph.microsoft.com/.default' });
    const ok = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form(automation.clientSecret!) });
    expect(ok.status).toBe(200);
    const body = await ok.json() as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(decodeJwt(body.access_token).appidacr).toBe('1');
    const bad = await fetch(`${sim.url}/${sim.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: form('not-the-secret') });
    expect(bad.status).toBe(401);
    const err = await bad.json() as { error: string; error_codes: number[] };
    expect(err).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  });

  it('documents why ClientSecretCredential cannot use the simulator over http: identity refuses http authority hosts', () => {
    const automation = app('tapline-automation');
    expect(() => new ClientSecretCredential(sim.tenantId, automation.appId, automation.clientSecret!, { authorityHost: sim.url, disableInstanceDiscovery: true }))
      .toThrow("The authorityHost address must use the 'https' protocol.");
  });
});

describe('relay and test tokens for the intake', () => {
  it('mints the relay identity token for the intake audience', async () => {
    const { status, body } = await simJson<{ access_token: string }>(sim, 'POST', '/_sim/tokens/relay', {});
    expect(status).toBe(200);
    const jwks = createRemoteJWKSet(new URL(`${sim.url}/${sim.tenantId}/discovery/keys`));
    const { payload } = await jwtVerify(body.access_token, jwks, { issuer: `https://sts.windows.net/${sim.tenantId}/`, audience: 'api://tapline-intake' });
    expect(payload.appid).toBe(app('tapline-relay').appId);
    expect(payload.roles).toEqual(['Intake.Submit']);
  });

  it('mints expired, not-yet-valid and foreign-signed tokens that a verifier rejects', async () => {
    const jwks = createRemoteJWKSet(new URL(`${sim.url}/${sim.tenantId}/discovery/keys`));
    const mint = async (req: Record<string, unknown>) => (await simJson<{ access_token: string }>(sim, 'POST', '/_sim/tokens', { audience: 'api://tapline-intake', ...req })).body.access_token;
    const opts = { audience: 'api://tapline-intake', issuer: `https://sts.windows.net/${sim.tenantId}/` };
    await expect(jwtVerify(await mint({ expiresInSeconds: -600 }), jwks, opts)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(jwtVerify(await mint({ notBeforeInSeconds: 600 }), jwks, opts)).rejects.toMatchObject({ code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf' });
    await expect(jwtVerify(await mint({ signWith: 'foreign' }), jwks, opts)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    await expect(jwtVerify(await mint({ audience: 'api://someone-else' }), jwks, opts)).rejects.toMatchObject({ claim: 'aud' });
    const { payload } = await jwtVerify(await mint({ roles: null }), jwks, opts);
    expect(payload.roles).toBeUndefined();
  });

  it('rotates to the already-published next key; tokens signed before still verify', async () => {
    const before = (await simJson<{ access_token: string; kid: string }>(sim, 'POST', '/_sim/tokens', {})).body;
    const rotated = await simJson<{ activeKid: string; publishedKids: string[] }>(sim, 'POST', '/_sim/keys/rotate', {});
    expect(rotated.body.activeKid).not.toBe(before.kid);
    expect(rotated.body.publishedKids).toContain(before.kid);
    const after = (await simJson<{ access_token: string; kid: string }>(sim, 'POST', '/_sim/tokens', {})).body;
    expect(after.kid).toBe(rotated.body.activeKid);
    const jwks = createRemoteJWKSet(new URL(`${sim.url}/${sim.tenantId}/discovery/v2.0/keys`));
    for (const t of [before.access_token, after.access_token]) {
      await expect(jwtVerify(t, jwks, { audience: 'https://graph.microsoft.com' })).resolves.toBeDefined();
    }
  });
});
