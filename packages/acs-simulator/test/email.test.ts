import { randomUUID } from 'node:crypto';
import { EmailClient, type EmailMessage } from '@azure/communication-email';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addFault, outbox, reset } from './helpers/sim-client.js';
import { signedFetch } from './helpers/signed-fetch.js';
import { startAcsSimulator, waitFor, type AcsSimulatorProcess } from '@tapline/test-harness';

let sim: AcsSimulatorProcess;
let email: EmailClient;

beforeAll(async () => {
  // retry-after 0 lets updateIntervalInMs drive the poll interval, keeping the suite fast.
  sim = await startAcsSimulator(['--email-retry-after', '0', '--email-completion-ms', '150']);
  email = new EmailClient(sim.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
});
afterAll(async () => {
  await sim.stop();
});
beforeEach(async () => {
  await reset(sim.url);
});

function message(overrides: Partial<EmailMessage> = {}): EmailMessage {
  return {
    senderAddress: 'DoNotReply@tapline.example',
    content: { subject: 'Your Temporary Access Pass', plainText: 'TAP: abc123', html: '<p>TAP: <b>abc123</b></p>' },
    recipients: { to: [{ address: 'ada@contoso.example', displayName: 'Ada' }], cc: [{ address: 'boss@contoso.example' }] },
    ...overrides,
  };
}

async function send(msg: EmailMessage, operationId?: string): Promise<{ id: string; status: string }> {
  const poller = await email.beginSend(msg, { updateIntervalInMs: 10, operationId });
  return poller.pollUntilDone();
}

describe('email through EmailClient.beginSend(...).pollUntilDone()', () => {
  it('polls the operation from Running to Succeeded and lands one outbox entry per recipient', async () => {
    const result = await send(message());
    expect(result.status).toBe('Succeeded');
    const sent = await outbox(sim.url, { channel: 'email' });
    expect(sent.map((m) => [m.to, m.recipientType])).toEqual([['ada@contoso.example', 'to'], ['boss@contoso.example', 'cc']]);
    expect(sent[0]).toMatchObject({
      from: 'DoNotReply@tapline.example',
      subject: 'Your Temporary Access Pass',
      body: 'TAP: abc123',
      html: '<p>TAP: <b>abc123</b></p>',
      operationId: result.id,
    });
    expect((await outbox(sim.url, { to: 'ADA@contoso.example' })).map((m) => m.to)).toEqual(['ada@contoso.example']);
  });

  it('sends once for a repeated Operation-Id and returns the existing operation', async () => {
    const operationId = randomUUID();
    const first = await send(message(), operationId);
    const second = await send(message(), operationId);
    expect(first).toMatchObject({ id: operationId, status: 'Succeeded' });
    expect(second).toMatchObject({ id: operationId, status: 'Succeeded' });
    expect(await outbox(sim.url, { to: 'ada@contoso.example' })).toHaveLength(1);
  });

  it('answers a reused Operation-Id with a different message with 409 and sends nothing new', async () => {
    const operationId = randomUUID();
    await send(message(), operationId);
    await expect(send(message({ content: { subject: 'Other', plainText: 'other' } }), operationId)).rejects.toMatchObject({ statusCode: 409 });
    expect(await outbox(sim.url)).toHaveLength(2);
  });

  it('refuses a sender on a domain that is not linked (404 DomainNotLinked)', async () => {
    await expect(send(message({ senderAddress: 'DoNotReply@elsewhere.example' }))).rejects.toMatchObject({ statusCode: 404, code: 'DomainNotLinked' });
    expect(await outbox(sim.url)).toEqual([]);
  });

  it('refuses a malformed recipient address with 400 InvalidEmailAddress', async () => {
    await expect(send(message({ recipients: { to: [{ address: '+1 5555551234' }] } }))).rejects.toMatchObject({ statusCode: 400, code: 'InvalidEmailAddress' });
  });

  it('ends Failed when every recipient is suppressed by a recipient fault; pollUntilDone throws', async () => {
    await addFault(sim.url, { route: 'POST /emails:send', recipient: 'ada@contoso.example' });
    await expect(send(message({ recipients: { to: [{ address: 'ada@contoso.example' }] } }))).rejects.toThrow(/EmailDroppedAllRecipientsSuppressed/);
    expect(await outbox(sim.url)).toEqual([]);
  });
});

describe('email on the wire', () => {
  it('answers 202 with an absolute operation-location and retry-after (no poller trap), for both api-versions', async () => {
    for (const apiVersion of ['2023-03-31', '2025-09-01']) {
      const res = await signedFetch(sim.url, sim.accessKey, `/emails:send?api-version=${apiVersion}`, { body: JSON.stringify(message()) });
      expect(res.status).toBe(202);
      const body = (await res.json()) as { id: string; status: string };
      expect(body.status).toBe('Running');
      const location = res.headers.get('operation-location');
      expect(location).toBe(`${sim.url}/emails/operations/${body.id}?api-version=${apiVersion}`);
      expect(res.headers.get('retry-after')).toBe('0');

      const poll = await signedFetch(sim.url, sim.accessKey, new URL(location ?? '').pathname + `?api-version=${apiVersion}`, { method: 'GET' });
      expect(poll.status).toBe(200);
      expect(((await poll.json()) as { status: string }).status).toMatch(/^(Running|Succeeded)$/);
    }
  });

  it('drops retry-after once the operation is terminal, on polls and on a repeated Operation-Id', async () => {
    const operationId = randomUUID();
    const body = JSON.stringify(message());
    const headers = { 'operation-id': operationId };
    expect((await signedFetch(sim.url, sim.accessKey, '/emails:send?api-version=2025-09-01', { body, headers })).headers.get('retry-after')).toBe('0');
    const poll = await waitFor(async () => {
      const res = await signedFetch(sim.url, sim.accessKey, `/emails/operations/${operationId}?api-version=2025-09-01`, { method: 'GET' });
      return ((await res.json()) as { status: string }).status === 'Succeeded' ? res : undefined;
    }, { timeoutMs: 5000, intervalMs: 20, description: 'the email operation to succeed' });
    expect(poll.headers.get('retry-after')).toBeNull();
    const again = await signedFetch(sim.url, sim.accessKey, '/emails:send?api-version=2025-09-01', { body, headers });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual({ id: operationId, status: 'Succeeded' });
    expect(again.headers.get('retry-after')).toBeNull();
    expect(await outbox(sim.url, { to: 'ada@contoso.example' })).toHaveLength(1);
  });

  it('answers an unknown operation id with 404', async () => {
    const res = await signedFetch(sim.url, sim.accessKey, `/emails/operations/${randomUUID()}?api-version=2025-09-01`, { method: 'GET' });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-ms-error-code')).toBe('NotFound');
    expect(await res.json()).toMatchObject({ error: { code: 'NotFound' } });
  });
});
