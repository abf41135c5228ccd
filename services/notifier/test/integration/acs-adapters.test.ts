// The ACS adapters through the real SDKs against the ACS simulator process (HMAC checked,
// repeatability and Operation-Id semantics modelled): the proof that our own SMS repeatability id
// and email Operation-Id reach the wire, signed, on every call.
import { randomUUID } from 'node:crypto';
import { isRetryable } from '@tapline/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAcsEmailSender } from '../../src/acs-email.js';
import { createAcsSmsSender } from '../../src/acs-sms.js';
import { emailOperationId, repeatabilityFirstSent, smsRepeatabilityId } from '../../src/idempotency-keys.js';
import { startAcsSimulator, type AcsSimulatorProcess } from '@tapline/test-harness';
import { EMAIL_SENDER, SMS_FROM, type OutboxEntry } from './stack.js';

let acs: AcsSimulatorProcess;
let url = '';
let connectionString = '';

beforeAll(async () => {
  acs = await startAcsSimulator(['--email-retry-after', '0']);
  ({ url, connectionString } = acs);
});

afterAll(async () => {
  await acs?.stop();
});

async function outbox(to: string): Promise<OutboxEntry[]> {
  const res = await fetch(`${url}/_sim/outbox?to=${encodeURIComponent(to)}`);
  return ((await res.json()) as { messages: OutboxEntry[] }).messages;
}

async function fault(spec: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${url}/_sim/faults`, { method: 'POST', body: JSON.stringify(spec), headers: { 'content-type': 'application/json' } });
  expect(res.status).toBe(201);
}

const sms = () => createAcsSmsSender({ connectionString, from: SMS_FROM, allowInsecureConnection: true, timeoutMs: 5_000, now: Date.now });
const email = () => createAcsEmailSender({
  connectionString, senderAddress: EMAIL_SENDER, allowInsecureConnection: true, timeoutMs: 5_000, pollIntervalMs: 10, pollTimeoutMs: 5_000, now: Date.now,
});

describe('SMS through @azure/communication-sms with our repeatability id', () => {
  it('two send() calls for the same delivery reach ACS with the same id and produce one SMS', async () => {
    const to = '+14255550901';
    const identity = { requestId: randomUUID(), tapId: randomUUID(), purpose: 'tap' as const };
    const message = {
      to, text: 'Your Temporary Access Pass is Abc123!x (valid until 2026-11-25 11:00 UTC).',
      repeatabilityRequestId: smsRepeatabilityId(identity, to), repeatabilityFirstSent: repeatabilityFirstSent(new Date()),
    };
    // Two separate clients: as after a crash and restart, nothing is shared in memory.
    const first = await sms().send(message);
    const second = await sms().send(message);

    expect(first.status).toBe('accepted');
    expect(second).toEqual(first); // ACS replays the first result: same messageId
    const sent = await outbox(to);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.repeatabilityRequestId).toBe(message.repeatabilityRequestId);
  });

  it('a different delivery (another id) is a new SMS', async () => {
    const to = '+14255550902';
    const base = { to, text: 'hello', repeatabilityFirstSent: repeatabilityFirstSent(new Date()) };
    await sms().send({ ...base, repeatabilityRequestId: randomUUID() });
    await sms().send({ ...base, repeatabilityRequestId: randomUUID() });
    expect(await outbox(to)).toHaveLength(2);
  });

  it('reports a recipient ACS refuses as rejected (fall back), and a 429 as retryable with Retry-After', async () => {
    const bad = '+14255550903';
    await fault({ route: 'POST /sms', recipient: bad, status: 400, errorMessage: 'Invalid To phone number format.' });
    const rejected = await sms().send({ to: bad, text: 'x', repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: new Date().toUTCString() });
    expect(rejected).toEqual({ status: 'rejected', code: 'sms-400' });

    await fault({ route: 'POST /sms', status: 429, count: 1, retryAfter: 3 });
    const err: unknown = await sms().send({ to: '+14255550904', text: 'x', repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: new Date().toUTCString() })
      .then(() => undefined, (e: unknown) => e);
    expect(isRetryable(err)).toBe(true);
    expect((err as { retryAfterMs?: number }).retryAfterMs).toBe(3_000);
  });

  it('reports a wrong access key as a refusal of the whole channel', async () => {
    const wrongKey = connectionString.replace(/accesskey=[^;]+/i, `accesskey=${Buffer.alloc(32, 7).toString('base64')}`);
    const refused = await createAcsSmsSender({ connectionString: wrongKey, from: SMS_FROM, allowInsecureConnection: true, timeoutMs: 5_000, now: Date.now })
      .send({ to: '+14255550905', text: 'x', repeatabilityRequestId: randomUUID(), repeatabilityFirstSent: new Date().toUTCString() });
    expect(refused.status).toBe('refused');
  });
});

describe('email through @azure/communication-email with our Operation-Id', () => {
  const content = { subject: 'Your Temporary Access Pass', plainText: 'Temporary Access Pass: Abc123!x', html: '<p>Abc123!x</p>' };

  it('the same Operation-Id twice sends one email', async () => {
    const to = `bob.${randomUUID().slice(0, 8)}@contoso.example`;
    const operationId = emailOperationId({ requestId: randomUUID(), tapId: randomUUID(), purpose: 'tap' }, to);
    const first = await email().send({ to, content, operationId });
    const second = await email().send({ to, content, operationId });
    expect(first).toEqual({ status: 'accepted', providerMessageId: operationId });
    expect(second).toEqual(first);
    const sent = await outbox(to);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.operationId).toBe(operationId);
  });

  it('a manager notice counts as sent once ACS accepts the operation, a TAP email waits for its final status', async () => {
    // An ACS whose operations stay Running for a minute: only a send that does not wait for the
    // final status can be done without running into its poll deadline.
    const slow = await startAcsSimulator(['--email-retry-after', '0', '--email-completion-ms', '60000']);
    try {
      let pollTimeouts = 0;
      const sender = createAcsEmailSender({
        connectionString: slow.connectionString, senderAddress: EMAIL_SENDER, allowInsecureConnection: true,
        timeoutMs: 5_000, pollIntervalMs: 10, pollTimeoutMs: 300, now: Date.now, onPollTimeout: () => { pollTimeouts += 1; },
      });
      const notice = await sender.send({ to: 'ben@contoso.example', content, operationId: randomUUID(), awaitFinalStatus: false });
      expect(notice.status).toBe('accepted');
      expect(pollTimeouts).toBe(0);
      const tapEmail = await sender.send({ to: 'alice@contoso.example', content, operationId: randomUUID() });
      expect(tapEmail.status).toBe('accepted');
      expect(pollTimeouts).toBe(1);
    } finally {
      await slow.stop();
    }
  });

  it('an address ACS drops ends rejected', async () => {
    const to = 'dropped@contoso.example';
    await fault({ route: 'POST /emails:send', recipient: to });
    const result = await email().send({ to, content, operationId: randomUUID() });
    expect(result.status).toBe('rejected');
    expect(await outbox(to)).toHaveLength(0);
  });
});
