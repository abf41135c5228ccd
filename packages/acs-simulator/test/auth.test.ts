import { createHash, createHmac } from 'node:crypto';
import { EmailClient } from '@azure/communication-email';
import { SmsClient } from '@azure/communication-sms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outbox, reset } from './helpers/sim-client.js';
import { signedFetch } from './helpers/signed-fetch.js';
import { startAcsSimulator, type AcsSimulatorProcess } from '@tapline/test-harness';

const CUSTOM_KEY = Buffer.from('a different 32-byte key for auth').toString('base64');
const WRONG_KEY = Buffer.from('not the key the simulator checks').toString('base64');
const SMS_BODY = JSON.stringify({ from: '+18005550100', smsRecipients: [{ to: '+15551234567' }], message: 'hi' });

let sim: AcsSimulatorProcess;

beforeAll(async () => {
  sim = await startAcsSimulator(['--access-key', CUSTOM_KEY]);
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await reset(sim.url);
});

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, ...body.error };
}

describe('HMAC authentication', () => {
  it('accepts the configured key and prints it in the connection string', async () => {
    expect(sim.accessKey).toBe(CUSTOM_KEY);
    const res = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', { body: SMS_BODY });
    expect(res.status).toBe(202);
  });

  it('makes both SDKs throw 401 when they sign with the wrong key, and sends nothing', async () => {
    const wrong = sim.connectionString.replace(CUSTOM_KEY, WRONG_KEY);
    const sms = new SmsClient(wrong, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await expect(sms.send({ from: '+18005550100', to: ['+15551234567'], message: 'hi' })).rejects.toMatchObject({ statusCode: 401, code: 'Denied' });
    const email = new EmailClient(wrong, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await expect(
      email.beginSend({ senderAddress: 'DoNotReply@tapline.example', content: { subject: 's', plainText: 'b' }, recipients: { to: [{ address: 'a@contoso.example' }] } }),
    ).rejects.toMatchObject({ statusCode: 401 });
    expect(await outbox(sim.url)).toEqual([]);
  });

  it('rejects a body that differs from the signed content hash', async () => {
    const res = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', {
      body: SMS_BODY,
      headers: { 'x-ms-content-sha256': 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' },
    });
    expect(await errorOf(res)).toEqual({ status: 401, code: 'Denied', message: "Request 'x-ms-content-sha256' differs from generated content hash." });
  });

  it('rejects a signature over a different body even when the hash header matches it', async () => {
    const res = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', { body: SMS_BODY, signedBody: '{}' });
    expect((await errorOf(res)).status).toBe(401);
  });

  it('allows 15 minutes of clock skew and no more', async () => {
    const within = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', { body: SMS_BODY, date: new Date(Date.now() - 14 * 60_000) });
    expect(within.status).toBe(202);
    const stale = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', { body: SMS_BODY, date: new Date(Date.now() - 16 * 60_000) });
    expect(await errorOf(stale)).toMatchObject({ status: 401, code: 'Denied' });
    const future = await signedFetch(sim.url, CUSTOM_KEY, '/sms?api-version=2021-03-07', { body: SMS_BODY, date: new Date(Date.now() + 16 * 60_000) });
    expect(future.status).toBe(401);
  });

  it('signs the query too: headers signed for one query do not verify for another', async () => {
    const headers = headersFor('/sms?api-version=2021-03-07', new Date().toUTCString());
    const replayed = await fetch(`${sim.url}/sms?api-version=2021-03-07&x=1`, { method: 'POST', body: SMS_BODY, headers });
    expect(replayed.status).toBe(401);
    const original = await fetch(`${sim.url}/sms?api-version=2021-03-07`, { method: 'POST', body: SMS_BODY, headers });
    expect(original.status).toBe(202);
  });

  it('rejects requests without an Authorization header or with a bearer token', async () => {
    const none = await fetch(`${sim.url}/sms?api-version=2021-03-07`, { method: 'POST', body: SMS_BODY });
    expect(await errorOf(none)).toMatchObject({ status: 401, code: 'Denied' });
    const bearer = await fetch(`${sim.url}/sms?api-version=2021-03-07`, { method: 'POST', body: SMS_BODY, headers: { authorization: 'Bearer abc' } });
    expect(bearer.status).toBe(401);
  });
});

/** The headers a correct signature for `pathAndQuery` would carry, to replay elsewhere. */
function headersFor(pathAndQuery: string, date: string): Record<string, string> {
  const hash = createHash('sha256').update(SMS_BODY).digest('base64');
  const host = new URL(sim.url).host;
  const signature = createHmac('sha256', Buffer.from(CUSTOM_KEY, 'base64')).update(`POST\n${pathAndQuery}\n${date};${host};${hash}`).digest('base64');
  return {
    'x-ms-date': date,
    'x-ms-content-sha256': hash,
    authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${signature}`,
  };
}
