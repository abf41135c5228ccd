import { randomUUID } from 'node:crypto';
import { SmsClient, type SmsClientOptions } from '@azure/communication-sms';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addFault, outbox, reset } from './helpers/sim-client.js';
import { signedFetch } from './helpers/signed-fetch.js';
import { startAcsSimulator, type AcsSimulatorProcess } from '@tapline/test-harness';
import { REPEATABILITY_FIRST_SENT_HEADER, REPEATABILITY_ID_HEADER, smsRepeatabilityPolicy } from './helpers/sms-repeatability-policy.js';

const FROM = '+18005550100';
let sim: AcsSimulatorProcess;

beforeAll(async () => {
  sim = await startAcsSimulator(['--repeatability-window-seconds', '300']);
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await reset(sim.url);
});

function client(options: SmsClientOptions = {}): SmsClient {
  return new SmsClient(sim.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 }, ...options });
}

function rawSend(body: unknown): Promise<Response> {
  return signedFetch(sim.url, sim.accessKey, '/sms?api-version=2021-03-07', { body: JSON.stringify(body) });
}

describe('SMS through SmsClient.send', () => {
  it('delivers to every E.164 recipient and lands each in the outbox', async () => {
    const results = await client().send(
      { from: FROM, to: ['+15551234567', '+447700900123'], message: 'Your TAP is ABC-123' },
      { enableDeliveryReport: true, tag: 'req-1' },
    );
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r).toMatchObject({ httpStatusCode: 202, successful: true, repeatabilityResult: 'accepted' });
      expect(r.messageId).toMatch(/^Outgoing_\d{14}[0-9a-f-]{36}_noam$/);
    }
    const sent = await outbox(sim.url, { channel: 'sms' });
    expect(sent.map((m) => m.to)).toEqual(['+15551234567', '+447700900123']);
    expect(sent[0]).toMatchObject({ from: FROM, body: 'Your TAP is ABC-123', tag: 'req-1', messageId: results[0]?.messageId });
    expect(sent[0]?.repeatabilityRequestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('fails a non-E.164 recipient in its own result and still sends to the others', async () => {
    const results = await client().send({ from: FROM, to: ['+1 5555551234', '+15555551234', '+112345678901'], message: 'hi' });
    expect(results.map((r) => [r.to, r.httpStatusCode, r.successful])).toEqual([
      ['+1 5555551234', 400, false],
      ['+15555551234', 202, true],
      ['+112345678901', 400, false],
    ]);
    expect(results[0]?.errorMessage).toBe('Invalid To phone number format.');
    expect((await outbox(sim.url)).map((m) => m.to)).toEqual(['+15555551234']);
  });

  it('refuses a sender number the resource does not own with 401', async () => {
    await expect(client().send({ from: '+18005550199', to: ['+15555551234'], message: 'hi' })).rejects.toMatchObject({ statusCode: 401 });
    expect(await outbox(sim.url)).toEqual([]);
  });

  it('fails one recipient permanently when a recipient fault is set (for SMS-to-email fallback tests)', async () => {
    await addFault(sim.url, { route: 'POST /sms', recipient: '+15550000001', status: 400, errorMessage: 'Recipient is opted out.' });
    const first = await client().send({ from: FROM, to: ['+15550000001', '+15550000002'], message: 'hi' });
    const second = await client().send({ from: FROM, to: ['+15550000001'], message: 'again' });
    expect(first.map((r) => [r.httpStatusCode, r.successful])).toEqual([[400, false], [202, true]]);
    expect(first[0]?.errorMessage).toBe('Recipient is opted out.');
    expect(second[0]).toMatchObject({ httpStatusCode: 400, successful: false });
    expect((await outbox(sim.url)).map((m) => m.to)).toEqual(['+15550000002']);
  });
});

describe('SMS repeatability on the wire', () => {
  it('does not send a repeated repeatabilityRequestId twice and replays the first result', async () => {
    const recipient = { to: '+15551112222', repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: new Date().toUTCString() };
    const body = { from: FROM, smsRecipients: [recipient], message: 'TAP 1', smsSendOptions: { enableDeliveryReport: false } };
    const first = await rawSend(body);
    const second = await rawSend(body);
    expect([first.status, second.status]).toEqual([202, 202]);
    const a = ((await first.json()) as { value: Record<string, unknown>[] }).value[0];
    const b = ((await second.json()) as { value: Record<string, unknown>[] }).value[0];
    expect(a).toMatchObject({ httpStatusCode: 202, successful: true, repeatabilityResult: 'accepted' });
    expect(b).toEqual(a);
    expect(await outbox(sim.url)).toHaveLength(1);
  });

  it('rejects the same id for a different message, and a first-sent date outside the window', async () => {
    const id = randomUUID();
    const now = new Date().toUTCString();
    await rawSend({ from: FROM, smsRecipients: [{ to: '+15551112222', repeatabilityRequestId: id, repeatabilityFirstSent: now }], message: 'one' });
    const other = await rawSend({ from: FROM, smsRecipients: [{ to: '+15551112222', repeatabilityRequestId: id, repeatabilityFirstSent: now }], message: 'two' });
    expect(((await other.json()) as { value: unknown[] }).value[0]).toMatchObject({ httpStatusCode: 400, repeatabilityResult: 'rejected', successful: false });

    const stale = new Date(Date.now() - 301_000).toUTCString();
    const late = await rawSend({ from: FROM, smsRecipients: [{ to: '+15551113333', repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: stale }], message: 'late' });
    expect(((await late.json()) as { value: unknown[] }).value[0]).toMatchObject({ httpStatusCode: 412, repeatabilityResult: 'rejected', successful: false });

    const noDate = await rawSend({ from: FROM, smsRecipients: [{ to: '+15551114444', repeatabilityRequestId: randomUUID() }], message: 'x' });
    expect(((await noDate.json()) as { value: unknown[] }).value[0]).toMatchObject({ httpStatusCode: 400, repeatabilityResult: 'rejected' });
    expect((await outbox(sim.url)).map((m) => m.body)).toEqual(['one']);
  });

  it('lets a caller choose its own id through the SDK pipeline, so a re-send is deduplicated', async () => {
    const sms = client({ additionalPolicies: [{ policy: smsRepeatabilityPolicy(), position: 'perCall' }] });
    const id = randomUUID();
    const firstSent = new Date().toUTCString();
    const send = (): ReturnType<SmsClient['send']> =>
      sms.send(
        { from: FROM, to: ['+15553334444'], message: 'Your TAP is XYZ' },
        { requestOptions: { customHeaders: { [REPEATABILITY_ID_HEADER]: id, [REPEATABILITY_FIRST_SENT_HEADER]: firstSent } } },
      );
    const [first] = await send();
    const [again] = await send();
    expect(first).toMatchObject({ httpStatusCode: 202, successful: true, repeatabilityResult: 'accepted' });
    expect(again?.messageId).toBe(first?.messageId);
    const sent = await outbox(sim.url);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.repeatabilityRequestId).toBe(id);

    // Without the headers the same client behaves like the stock SDK: a fresh id, a second message.
    await sms.send({ from: FROM, to: ['+15553334444'], message: 'Your TAP is XYZ' });
    expect(await outbox(sim.url)).toHaveLength(2);
  });
});

describe('SMS request validation', () => {
  it('answers a wrong api-version and a malformed body with 400 and the ACS error body', async () => {
    const wrongVersion = await signedFetch(sim.url, sim.accessKey, '/sms?api-version=2020-01-01', { body: '{}' });
    expect(wrongVersion.status).toBe(400);
    expect(((await wrongVersion.json()) as { error: { code: string } }).error.code).toBe('InvalidApiVersion');
    const malformed = await rawSend({ from: FROM, message: 'no recipients' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ error: { code: 'BadRequest' } });
  });
});
