import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { SmsClient } from '@azure/communication-sms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { outbox, reset } from './helpers/sim-client.js';
import { signedFetch } from './helpers/signed-fetch.js';
import { startAcsSimulator, type AcsSimulatorProcess } from '@tapline/test-harness';

// The limits scaled down: 3 SMS per number and 2 emails per 2-second window.
const WINDOW_MS = 2000;
let sim: AcsSimulatorProcess;

beforeAll(async () => {
  sim = await startAcsSimulator([
    '--sms-per-minute', '3', '--email-per-minute', '2', '--rate-window-seconds', '2',
    '--sms-from', '+18005550100', '--sms-from', '+18005550101',
    '--email-retry-after', '0', '--email-completion-ms', '0',
  ]);
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await reset(sim.url);
});

const impatientSms = (): SmsClient => new SmsClient(sim.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
/** The SDK's default pipeline retries 429s after Retry-After. */
const patientSms = (): SmsClient => new SmsClient(sim.connectionString, { allowInsecureConnection: true });

const EMAIL: EmailMessage = {
  senderAddress: 'DoNotReply@tapline.example',
  content: { subject: 'TAP', plainText: 'TAP: x' },
  recipients: { to: [{ address: 'ada@contoso.example' }] },
};

describe('SMS rate limit per sender number', () => {
  it('answers 429 with Retry-After once the number used its budget; other numbers are unaffected', async () => {
    const sms = impatientSms();
    for (let i = 0; i < 3; i += 1) await sms.send({ from: '+18005550100', to: ['+15551234567'], message: `m${i}` });
    await expect(sms.send({ from: '+18005550100', to: ['+15551234567'], message: 'over' })).rejects.toMatchObject({ statusCode: 429 });

    const raw = await signedFetch(sim.url, sim.accessKey, '/sms?api-version=2021-03-07', {
      body: JSON.stringify({ from: '+18005550100', smsRecipients: [{ to: '+15551234567' }], message: 'raw' }),
    });
    expect(raw.status).toBe(429);
    const retryAfter = Number(raw.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
    expect(await raw.json()).toMatchObject({ error: { code: 'TooManyRequests' } });

    await sms.send({ from: '+18005550101', to: ['+15551234567'], message: 'other number' });
    expect((await outbox(sim.url)).map((m) => m.body)).toEqual(['m0', 'm1', 'm2', 'other number']);
  });

  it('counts message units: one request to 4 recipients does not fit a budget of 3', async () => {
    const to = ['+15550000001', '+15550000002', '+15550000003', '+15550000004'];
    await expect(impatientSms().send({ from: '+18005550100', to, message: 'batch' })).rejects.toMatchObject({ statusCode: 429 });
    expect(await outbox(sim.url)).toEqual([]);
  });

  it('a client that ignores Retry-After keeps getting 429; one that honours it gets through at the budget', async () => {
    const impatient = impatientSms();
    const outcomes: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      outcomes.push(
        await impatient.send({ from: '+18005550100', to: ['+15551234567'], message: `fast${i}` }).then(
          () => 202,
          (err: { statusCode?: number }) => err.statusCode ?? 0,
        ),
      );
    }
    expect(outcomes).toEqual([202, 202, 202, 429, 429, 429]);

    await reset(sim.url);
    const patient = patientSms();
    const started = Date.now();
    for (let i = 0; i < 5; i += 1) await patient.send({ from: '+18005550100', to: ['+15551234567'], message: `slow${i}` });
    const elapsed = Date.now() - started;
    expect(await outbox(sim.url)).toHaveLength(5);
    // Five sends at three per window must have waited for the window to roll once, and not much longer.
    expect(elapsed).toBeGreaterThanOrEqual(WINDOW_MS - 500);
    expect(elapsed).toBeLessThan(3 * WINDOW_MS);
  });
});

describe('email rate limit per resource', () => {
  it('answers 429 with Retry-After past the budget, and a patient client gets through', async () => {
    const impatient = new EmailClient(sim.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    for (let i = 0; i < 2; i += 1) await (await impatient.beginSend(EMAIL, { updateIntervalInMs: 10 })).pollUntilDone();
    await expect(impatient.beginSend(EMAIL, { updateIntervalInMs: 10 })).rejects.toMatchObject({ statusCode: 429 });
    const raw = await signedFetch(sim.url, sim.accessKey, '/emails:send?api-version=2025-09-01', { body: JSON.stringify(EMAIL) });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const patient = new EmailClient(sim.connectionString, { allowInsecureConnection: true });
    const result = await (await patient.beginSend(EMAIL, { updateIntervalInMs: 10 })).pollUntilDone();
    expect(result.status).toBe('Succeeded');
    expect(await outbox(sim.url, { channel: 'email' })).toHaveLength(3);
  });
});
