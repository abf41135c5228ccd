import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SmsClient } from '@azure/communication-sms';
import { EmailClient } from '@azure/communication-email';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addFault, outbox, reset } from './helpers/sim-client.js';
import { signedFetch } from './helpers/signed-fetch.js';
import { startAcsSimulator, waitFor, type AcsSimulatorProcess } from '@tapline/test-harness';

const FROM = '+18005550100';
let sim: AcsSimulatorProcess;
let dir: string;
let outboxFile: string;
let sms: SmsClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'acs-sim-'));
  outboxFile = join(dir, 'nested', 'outbox.jsonl');
  sim = await startAcsSimulator(['--outbox-file', outboxFile, '--email-retry-after', '0', '--email-completion-ms', '0']);
  sms = new SmsClient(sim.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  await reset(sim.url);
});

const smsStatus = (to = '+15551234567'): Promise<number> =>
  sms.send({ from: FROM, to: [to], message: 'hi' }).then(
    () => 202,
    (err: { statusCode?: number }) => err.statusCode ?? 0,
  );

describe('/_sim/ inspection', () => {
  it('reports health without authentication', async () => {
    const res = await fetch(`${sim.url}/_sim/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('filters the outbox by recipient and channel', async () => {
    await sms.send({ from: FROM, to: ['+15550000001', '+15550000002'], message: 'sms' });
    const email = new EmailClient(sim.connectionString, { allowInsecureConnection: true });
    await (
      await email.beginSend(
        { senderAddress: 'DoNotReply@tapline.example', content: { subject: 's', plainText: 'mail' }, recipients: { to: [{ address: 'a@contoso.example' }] } },
        { updateIntervalInMs: 10 },
      )
    ).pollUntilDone();
    expect((await outbox(sim.url)).map((m) => [m.seq, m.channel, m.to])).toEqual([
      [1, 'sms', '+15550000001'],
      [2, 'sms', '+15550000002'],
      [3, 'email', 'a@contoso.example'],
    ]);
    expect((await outbox(sim.url, { to: '+15550000002' })).map((m) => m.body)).toEqual(['sms']);
    expect((await outbox(sim.url, { channel: 'email' })).map((m) => m.body)).toEqual(['mail']);
    expect((await fetch(`${sim.url}/_sim/outbox?channel=fax`)).status).toBe(400);
  });

  it('renders the outbox page with every field escaped', async () => {
    await sms.send({ from: FROM, to: ['+15550000001'], message: '<script>alert("x")</script> & more' });
    const res = await fetch(`${sim.url}/_sim/outbox.html`);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
    expect(page).not.toContain('<script>');
  });

  it('appends every accepted message to the JSONL file, and reset empties memory but not the file', async () => {
    await sms.send({ from: FROM, to: ['+15550000009'], message: 'to disk' });
    await reset(sim.url);
    expect(await outbox(sim.url)).toEqual([]);
    const lines = await waitFor(async () => {
      const found = (await readFile(outboxFile, 'utf8').catch(() => '')).split('\n').filter((l) => l.includes('to disk'));
      return found.length > 0 ? found : undefined;
    }, { timeoutMs: 5000, description: 'the message in the outbox file' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ channel: 'sms', to: '+15550000009', from: FROM, body: 'to disk' });
  });
});

describe('/_sim/faults', () => {
  it('fails a route `count` times with the status and Retry-After, then serves normally', async () => {
    await addFault(sim.url, { route: 'POST /sms', status: 503, count: 2, retryAfter: 7 });
    const first = await signedFetch(sim.url, sim.accessKey, '/sms?api-version=2021-03-07', {
      body: JSON.stringify({ from: FROM, smsRecipients: [{ to: '+15551234567' }], message: 'x' }),
    });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(await first.json()).toMatchObject({ error: { code: 'ServiceUnavailable' } });
    expect(await smsStatus()).toBe(503);
    expect(await smsStatus()).toBe(202);
  });

  it('matches method and path patterns, and DELETE removes every fault', async () => {
    await addFault(sim.url, { route: '* /emails*', status: 500 });
    await addFault(sim.url, { route: 'POST /sm*', status: 429, retryAfter: 1, rate: 1 });
    expect(await smsStatus()).toBe(429);
    expect(await smsStatus()).toBe(429);
    const listed = (await (await fetch(`${sim.url}/_sim/faults`)).json()) as { faults: { route: string; applied: number }[] };
    expect(listed.faults.map((f) => [f.route, f.applied])).toEqual([['* /emails*', 0], ['POST /sm*', 2]]);
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect(await smsStatus()).toBe(202);
  });

  it('never fires a fault with rate 0, and adds latency without a status', async () => {
    await addFault(sim.url, { route: 'POST /sms', status: 500, rate: 0 });
    await addFault(sim.url, { route: 'POST /sms', latencyMs: 300, count: 1 });
    const started = Date.now();
    expect(await smsStatus()).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
  });

  it('refuses malformed fault specs with 400', async () => {
    for (const spec of [{}, { route: 'POST' }, { route: 'POST /sms' }, { route: 'POST /sms', status: 200 }, { route: 'POST /sms', status: 500, rate: 2 }]) {
      const res = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(spec) });
      expect(res.status, JSON.stringify(spec)).toBe(400);
    }
  });

  it('is cleared by reset', async () => {
    await addFault(sim.url, { route: 'POST /sms', status: 500 });
    await reset(sim.url);
    expect(await smsStatus()).toBe(202);
  });
});
