import { RetryableError } from '@tapline/domain';
import { describe, expect, it } from 'vitest';
import { classifyAcsError, retryAfterMs } from '../src/acs-errors.js';
import { planSends } from '../src/channel-plan.js';
import { emailOperationId, repeatabilityFirstSent, smsRepeatabilityId, uuidV5 } from '../src/idempotency-keys.js';
import { maskEmail, phoneEnding } from '../src/masking.js';
import { toE164 } from '../src/phone.js';
import { callProvider } from '../src/provider-call.js';
import { createRateGate } from '../src/rate-gate.js';
import { confirmationEmail, escapeHtml, tapEmail, tapSms } from '../src/templates.js';

describe('idempotency keys', () => {
  it('computes RFC 9562 version-5 UUIDs (known vector: www.example.com in the DNS namespace)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('gives the same key for the same request, TAP and recipient, and a different one otherwise', () => {
    const send = { requestId: 'r1', tapId: 't1', purpose: 'tap' as const };
    expect(smsRepeatabilityId(send, '+15555550142')).toBe(smsRepeatabilityId({ ...send }, '+15555550142'));
    const variants = [
      smsRepeatabilityId(send, '+15555550142'),
      smsRepeatabilityId(send, '+15555550143'),
      smsRepeatabilityId({ ...send, tapId: 't2' }, '+15555550142'),
      smsRepeatabilityId({ ...send, requestId: 'r2' }, '+15555550142'),
      smsRepeatabilityId({ ...send, purpose: 'confirmation' }, '+15555550142'),
      emailOperationId(send, 'bob@contoso.example'),
    ];
    expect(new Set(variants).size).toBe(variants.length);
    expect(emailOperationId(send, 'Bob@Contoso.example')).toBe(emailOperationId(send, 'bob@contoso.example'));
    for (const id of variants) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('writes the first-sent date as an IMF-fixdate', () => {
    expect(repeatabilityFirstSent(new Date('2026-11-25T00:12:30Z'))).toBe('Wed, 25 Nov 2026 00:12:30 GMT');
  });
});

describe('phone numbers', () => {
  it('turns Graph format into E.164, dropping an extension', () => {
    expect(toE164('+1 5555551234')).toEqual({ ok: true, e164: '+15555551234' });
    expect(toE164('+1 5555551234x123')).toEqual({ ok: true, e164: '+15555551234' });
    expect(toE164('+44 20 7946 0958')).toEqual({ ok: true, e164: '+442079460958' });
  });

  it('refuses numbers without a country code or of impossible length', () => {
    expect(toE164('5555551234')).toMatchObject({ ok: false });
    expect(toE164('+1 555555')).toMatchObject({ ok: false, problem: 'impossible' });
    expect(toE164('call me')).toMatchObject({ ok: false });
  });

  it('plans channels in the configured order, deduplicating and skipping unusable contacts', () => {
    const plan = planSends({ mobilePhones: ['+1 5555550101', '+1 555-555-0101', '+1 555555'], emails: ['Bob@contoso.example', 'bob@contoso.example'] }, ['email', 'sms']);
    expect(plan.sends).toEqual([
      { channel: 'email', to: 'Bob@contoso.example', index: 0 },
      { channel: 'sms', to: '+15555550101', index: 0 },
    ]);
    expect(plan.skipped).toEqual([{ channel: 'sms', index: 2, problem: 'impossible' }]);
    expect(planSends({ mobilePhones: ['+1 5555550101'], emails: ['a@b.example'] }, ['sms']).sends).toHaveLength(1);
  });
});

describe('masking and templates', () => {
  it('keeps only the last two digits of a phone and the first letter and domain of an address', () => {
    expect(phoneEnding('+15555550142')).toBe('42');
    expect(phoneEnding('12')).toBeNull();
    expect(maskEmail('bob.smith@contoso.example')).toBe('b***@contoso.example');
    expect(maskEmail('nonsense')).toBe('***');
  });

  it('puts the secret in bodies only, HTML-escaped, never in the subject', () => {
    const secret = '<a&"\'>Zq9';
    const email = tapEmail({ secret, expiresAt: new Date('2026-11-25T11:00:00Z') });
    expect(email.subject).not.toContain(secret);
    expect(email.plainText).toContain(secret);
    expect(email.html).not.toContain(secret);
    expect(email.html).toContain(escapeHtml(secret));
    expect(email.html).toContain('&lt;a&amp;&quot;&#39;&gt;Zq9');
    expect(tapSms({ secret: 'Abc123!x', expiresAt: new Date('2026-11-25T11:00:00Z') })).toContain('Abc123!x (valid until 2026-11-25 11:00 UTC)');
  });

  it('says how and where the TAP went in the confirmation, and nothing more', () => {
    const c = confirmationEmail({ referenceId: 'TL-0E60F18C', channel: 'sms', maskedContact: '42', expiresAt: new Date('2026-11-25T11:00:00Z') });
    expect(c.plainText).toContain('sent by SMS to the number ending 42');
    expect(c.plainText).toContain('TL-0E60F18C');
  });
});

describe('rate gate', () => {
  function fakeTime() {
    let now = 0;
    return { now: () => now, sleep: async (ms: number) => { now += ms; await Promise.resolve(); } };
  }

  it('spaces sends evenly at the configured rate', async () => {
    const t = fakeTime();
    const gate = createRateGate(120, t.now, t.sleep);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      await gate.acquire();
      times.push(t.now());
    }
    expect(times).toEqual([0, 500, 1000, 1500, 2000]);
  });

  it('lets nobody through before a Retry-After pause ends', async () => {
    const t = fakeTime();
    const gate = createRateGate(600, t.now, t.sleep);
    await gate.acquire();
    gate.pauseUntil(7_000);
    await gate.acquire();
    expect(t.now()).toBeGreaterThanOrEqual(7_000);
  });
});

describe('provider calls: retries and Retry-After', () => {
  const budget = { budgetMs: 30_000, baseBackoffMs: 1_000, maxBackoffMs: 8_000, maxAttempts: 10 };

  it('honours Retry-After through the gate, then succeeds', async () => {
    let now = 0;
    const sleep = async (ms: number) => { now += ms; await Promise.resolve(); };
    const gate = createRateGate(6_000, () => now, sleep);
    let calls = 0;
    const result = await callProvider({ gate, now: () => now, sleep, random: () => 0.5, budget }, async () => {
      calls += 1;
      await Promise.resolve();
      if (calls === 1) throw new RetryableError('429', { retryAfterMs: 4_000 });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(now).toBeGreaterThanOrEqual(4_000);
  });

  it('gives the error back when waiting would exceed the in-process budget', async () => {
    let now = 0;
    const sleep = async (ms: number) => { now += ms; await Promise.resolve(); };
    const err = new RetryableError('429', { retryAfterMs: 60_000 });
    await expect(callProvider({ now: () => now, sleep, random: () => 0.5, budget }, () => Promise.reject(err))).rejects.toBe(err);
    expect(now).toBe(0);
  });

  it('does not retry anything that is not retryable', async () => {
    let calls = 0;
    const bug = new TypeError('boom');
    await expect(callProvider({ now: () => 0, sleep: () => Promise.resolve(), random: () => 0, budget }, () => { calls += 1; return Promise.reject(bug); })).rejects.toBe(bug);
    expect(calls).toBe(1);
  });
});

describe('ACS error classification', () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n.toLowerCase()] });

  it('reads Retry-After as seconds, fractional seconds, milliseconds or a date', () => {
    expect(retryAfterMs(headers({ 'retry-after': '3' }), 0)).toBe(3000);
    expect(retryAfterMs(headers({ 'retry-after': '2.5' }), 0)).toBe(2500);
    expect(retryAfterMs(headers({ 'retry-after-ms': '150' }), 0)).toBe(150);
    expect(retryAfterMs(headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfterMs(headers({}), 0)).toBeUndefined();
  });

  it('maps 429 and 5xx to retryable, other 4xx to a refusal, network errors to retryable', () => {
    const throttled = classifyAcsError({ name: 'RestError', statusCode: 429, response: { headers: headers({ 'retry-after': '7' }) } }, 'acs-sms', 0);
    expect(throttled.kind).toBe('retryable');
    expect(throttled.kind === 'retryable' && throttled.error.retryAfterMs).toBe(7000);
    expect(classifyAcsError({ name: 'RestError', statusCode: 503 }, 'acs-sms', 0).kind).toBe('retryable');
    expect(classifyAcsError({ name: 'RestError', statusCode: 401, code: 'Denied' }, 'acs-sms', 0)).toEqual({ kind: 'refused', status: 401, code: 'Denied' });
    expect(classifyAcsError({ name: 'RestError', code: 'ECONNREFUSED' }, 'acs-sms', 0).kind).toBe('retryable');
    expect(classifyAcsError(new TypeError('x'), 'acs-sms', 0).kind).toBe('bug');
  });
});
