// Over HTTP, each part its own process: the intake's local host, the Service Bus emulator and the
// tenant simulator. What Entra (through the relay) and the worker would observe.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';
import { SignJWT, decodeProtectedHeader, exportSPKI, importJWK } from 'jose';
import type { CryptoKey, JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeTapRequest } from '@tapline/domain';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import { callout, calloutIds, connectionTest } from '../helpers/callouts.js';
import { freePort } from '@tapline/test-harness';
import { QueueProbe, RELAY_AUDIENCE, adminUrlOf, intakeEnv, startEmulator, startIntake, startTenantSimulator } from '../helpers/stack.js';
import type { IntakeHost, TenantSim } from '../helpers/stack.js';
import { fuzzBodies } from './fuzz-bodies.js';

let emulator: SpawnedEmulator;
let tenant: TenantSim;
let intake: IntakeHost;
let probe: QueueProbe;
let relayToken: string;
let relayAppId: string;

beforeAll(async () => {
  [emulator, tenant] = await Promise.all([startEmulator(), startTenantSimulator()]);
  relayAppId = await tenant.relayAppId();
  intake = await startIntake(intakeEnv(emulator, tenant, relayAppId));
  probe = new QueueProbe(emulator.connectionString, adminUrlOf(emulator));
  relayToken = await tenant.relayToken();
}, 60_000);

afterAll(async () => {
  await probe?.close();
  await Promise.all([intake?.process.stop(), tenant?.process.stop(), emulator?.stop()]);
});

beforeEach(async () => {
  await probe.purge();
});

async function post(body: string | Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string; json: unknown }> {
  const res = await fetch(`${intake.url}/api/tap-requests`, {
    method: 'POST',
    headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe('intake over HTTP', () => {
  it('puts an accepted request on tap-requests with its ids, body and trace context', async () => {
    const ids = calloutIds();
    const traceId = randomUUID().replace(/-/g, '');
    const res = await post(JSON.stringify(callout({}, ids)), { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ requestId: ids.requestId, status: 'accepted' });

    const [message, ...rest] = await probe.receive(1);
    expect(rest).toEqual([]);
    expect(message?.messageId).toBe(ids.stageInstanceId);
    expect(message?.correlationId).toBe(ids.requestId);
    expect(message?.contentType).toBe('application/json');
    const decoded = decodeTapRequest(message?.body);
    expect(decoded).toMatchObject({
      ok: true,
      message: { requestId: ids.requestId, stageInstanceId: ids.stageInstanceId, requestorId: ids.requestorId, targetId: ids.targetId, accessPackageId: ids.accessPackageId, stage: 'assignmentRequestApproved', requestType: 'onBehalfAdd', attempt: 1 },
    });
    const traceparent = message?.applicationProperties?.traceparent;
    expect(traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(decoded.ok && decoded.message.traceparent).toBe(traceparent);
  });

  it('leaves one message when the same call-out arrives twice (duplicate detection)', async () => {
    const body = JSON.stringify(callout());
    const answers = [await post(body), await post(body)];
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    expect(await probe.receive(1)).toHaveLength(1);
  });

  it('leaves nothing for the connection test and for a stage it does not handle', async () => {
    const test = await post(JSON.stringify(connectionTest()));
    const created = await post(JSON.stringify(callout({ Stage: 'assignmentRequestCreated' })));
    const userAdd = await post(JSON.stringify(callout({ RequestType: 'userAdd' })));
    expect([test.status, created.status, userAdd.status]).toEqual([202, 202, 202]);
    expect(await probe.activeCount()).toBe(0);
  });

  it('refuses an oversized body while it streams in (chunked, no Content-Length), with a 413 the client can read', async () => {
    // node:http rather than fetch: it surfaces a response that arrives while the upload goes on.
    // The client keeps sending until the connection closes; the host answers at the limit and
    // closes without a reset that would destroy the answer (a bounded linger).
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const MAX_CHUNKS = 4096; // 64 MiB
    let written = 0;
    const outcome = await new Promise<{ status: number; contentType: string | undefined; body: string }>((resolve) => {
      const req = http.request(`${intake.url}/api/tap-requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      let status = 0;
      let contentType: string | undefined;
      let body = '';
      let closed = false;
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        contentType = res.headers['content-type'];
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('error', () => undefined);
      });
      req.on('error', () => undefined);
      req.on('close', () => {
        closed = true;
        resolve({ status, contentType, body });
      });
      const pump = () => {
        while (!closed && written < MAX_CHUNKS) {
          written++;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!closed) req.end();
      };
      pump();
    });
    expect(outcome.status).toBe(413);
    expect(outcome.contentType).toBe('application/problem+json');
    expect(JSON.parse(outcome.body)).toMatchObject({ status: 413 });
    expect(written).toBeLessThan(MAX_CHUNKS / 2);
  });

  it('refuses a declared Content-Length past the limit', async () => {
    const res = await post(JSON.stringify(callout({ Padding: 'x'.repeat(70 * 1024) })));
    expect(res.status).toBe(413);
  });

  it('serves health without configuration values or secrets', async () => {
    const res = await fetch(`${intake.url}/api/health`);
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(JSON.parse(text)).toEqual({ status: 'ok', service: 'intake' });
    for (const secretish of [tenant.tenantId, relayAppId, RELAY_AUDIENCE, String(emulator.port), 'SharedAccessKey']) expect(text).not.toContain(secretish);
  });

  it('is not confused by a hostile Host header', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${intake.url}/api/health`, { headers: { host: 'not a [valid] host:99999' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
  });

  it('answers 404 for other paths and methods, as the Functions host does', async () => {
    expect((await fetch(`${intake.url}/api/nope`)).status).toBe(404);
    expect((await fetch(`${intake.url}/api/tap-requests`)).status).toBe(404);
    expect((await fetch(`${intake.url}/tap-requests`, { method: 'POST' })).status).toBe(404);
  });
});

describe('security: every bad caller is refused and nothing is enqueued', () => {
  const OTHER_TENANT = '6c1e9a2b-3d4f-4a5b-9c6d-7e8f9a0b1c2d';
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  async function hs256WithPublicKey(): Promise<string> {
    const valid = await tenant.relayToken();
    const { kid } = decodeProtectedHeader(valid);
    const jwks = (await (await fetch(`${tenant.url}/${tenant.tenantId}/discovery/v2.0/keys`)).json()) as { keys: JWK[] };
    const jwk = jwks.keys.find((k) => k.kid === kid);
    if (jwk === undefined) throw new Error('active key not published');
    const pem = await exportSPKI((await importJWK({ ...jwk, alg: 'RS256' }, 'RS256', { extractable: true })) as CryptoKey);
    const payload = JSON.parse(Buffer.from(valid.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;
    return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(kid === undefined ? {} : { kid }) }).sign(new TextEncoder().encode(pem));
  }

  async function tampered(): Promise<string> {
    const [header, payload, signature] = (await tenant.relayToken()).split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    return `${header}.${b64({ ...claims, oid: randomUUID() })}.${signature}`;
  }

  const relay = { audience: RELAY_AUDIENCE };
  const cases: [string, () => Promise<string | undefined>, number][] = [
    ['no token', () => Promise.resolve(undefined), 401],
    ['a malformed token', () => Promise.resolve('Bearer eyJhbGciOi.not-a-token'), 401],
    ['alg none', async () => `Bearer ${await tenant.mintToken({ ...relay, signWith: 'none' })}`, 401],
    ['HS256 signed with the public key as the secret', async () => `Bearer ${await hs256WithPublicKey()}`, 401],
    ['a wrong signature', async () => `Bearer ${await tampered()}`, 401],
    ['an unknown kid', async () => `Bearer ${await tenant.mintToken({ ...relay, signWith: 'foreign' })}`, 401],
    ['an expired token', async () => `Bearer ${await tenant.mintToken({ ...relay, issuedAtOffsetSeconds: -7200, expiresInSeconds: 3600 })}`, 401],
    ['a token not yet valid', async () => `Bearer ${await tenant.mintToken({ ...relay, notBeforeInSeconds: 3600 })}`, 401],
    ['a wrong issuer', async () => `Bearer ${await tenant.mintToken({ ...relay, claims: { iss: 'https://evil.example/' } })}`, 401],
    ['another tenant (issuer and tid)', async () => `Bearer ${await tenant.mintToken({ ...relay, tenantId: OTHER_TENANT })}`, 401],
    ['another tenant in tid only', async () => `Bearer ${await tenant.mintToken({ ...relay, claims: { tid: OTHER_TENANT } })}`, 401],
    ['a wrong audience', async () => `Bearer ${await tenant.mintToken({ audience: 'https://graph.microsoft.com' })}`, 401],
    ['a caller not in the allowlist', async () => `Bearer ${await tenant.mintToken({ ...relay, app: 'tapline-worker' })}`, 403],
  ];

  it.each(cases)('%s', async (_name, authorization, expected) => {
    const header = await authorization();
    const res = await post(JSON.stringify(callout()), header === undefined ? { authorization: '' } : { authorization: header });
    expect(res.status).toBe(expected);
    if (expected === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="tapline-intake"/);
    if (header !== undefined) expect(res.text).not.toContain(header.slice(7, 40));
    expect(await probe.activeCount()).toBe(0);
  });

  it('the relay token itself is accepted (the cases above fail for their reason alone)', async () => {
    expect((await post(JSON.stringify(callout()))).status).toBe(202);
  });

  it('refetches the JWKS at most once for a burst of unknown kids (rate-limited refetch)', async () => {
    await fetch(`${tenant.url}/_sim/calls`, { method: 'DELETE' });
    for (let i = 0; i < 5; i++) {
      const res = await post(JSON.stringify(callout()), { authorization: `Bearer ${await tenant.mintToken({ ...relay, signWith: 'foreign' })}` });
      expect(res.status).toBe(401);
    }
    const calls = (await (await fetch(`${tenant.url}/_sim/calls?kind=identity&pathContains=/keys`)).json()) as { value: unknown[] };
    expect(calls.value.length).toBeLessThanOrEqual(1);
    expect(await probe.activeCount()).toBe(0);
  });
});

describe('fuzzing over HTTP', () => {
  it('answers only 202/400/413/415, and whatever landed in the queue is a valid message', async () => {
    await fc.assert(
      fc.asyncProperty(fuzzBodies(), async ({ body, contentType }) => {
        const res = await post(body, contentType === undefined ? { 'content-type': '' } : { 'content-type': contentType });
        expect([202, 400, 413, 415]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
    const landed = await probe.receive(0, 200);
    for (const message of landed) {
      const decoded = decodeTapRequest(message.body);
      expect(decoded.ok).toBe(true);
      expect(decoded.ok && decoded.message.stageInstanceId).toBe(message.messageId);
    }
  }, 60_000);
});

describe('with Service Bus down', () => {
  let downIntake: IntakeHost | undefined;
  afterAll(async () => {
    await downIntake?.process.stop();
  });

  it('answers 503 with Retry-After, fast', async () => {
    const env = intakeEnv(emulator, tenant, relayAppId);
    downIntake = await startIntake({
      ...env,
      SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://127.0.0.1:${await freePort()};SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true`,
    });
    const started = performance.now();
    const res = await fetch(`${downIntake.url}/api/tap-requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(callout()),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
