import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyHmac } from '../src/hmac.js';
import { isE164 } from '../src/phone-number.js';
import { isEmailAddress } from '../src/email-address.js';
import { SlidingWindowLimiter } from '../src/rate-limiter.js';
import { FaultTable } from '../src/faults.js';
import { SmsRepeatabilityStore } from '../src/repeatability.js';

describe('isE164', () => {
  it.each([
    ['+15551234567', true],
    ['+447700900123', true],
    ['+4915112345678', true],
    ['+1 5555551234', false], // Graph's format
    ['+1 5555551234 x123', false],
    ['15551234567', false],
    ['+112345678901', false], // NANP with 11 digits, ACS's own example
    ['+0123456789', false],
    ['+1234567890123456', false], // 16 digits
  ])('%s → %s', (value, expected) => {
    expect(isE164(value)).toBe(expected);
  });
});

describe('isEmailAddress', () => {
  it.each([
    ['ada@contoso.example', true],
    ['first.last+tag@sub.contoso.example', true],
    ['ada@localhost', false],
    ['ada contoso.example', false],
    ['<ada@contoso.example>', false],
    ['@contoso.example', false],
  ])('%s → %s', (value, expected) => {
    expect(isEmailAddress(value)).toBe(expected);
  });
});

describe('SlidingWindowLimiter', () => {
  it('admits the budget per key per window and says when the next unit fits', () => {
    const limiter = new SlidingWindowLimiter(2, 1000);
    expect(limiter.tryTake('a', 1, 0)).toEqual({ ok: true });
    expect(limiter.tryTake('a', 1, 400)).toEqual({ ok: true });
    expect(limiter.tryTake('a', 1, 500)).toEqual({ ok: false, retryAfterMs: 500 });
    expect(limiter.tryTake('b', 1, 500)).toEqual({ ok: true });
    expect(limiter.tryTake('a', 1, 1000)).toEqual({ ok: true });
    // Two units need both entries (t=400 and t=1000) gone: at t=2000.
    expect(limiter.tryTake('a', 2, 1100)).toEqual({ ok: false, retryAfterMs: 900 });
    expect(limiter.tryTake('a', 3, 5000)).toEqual({ ok: false, retryAfterMs: 1000 });
  });
});

describe('verifyHmac', () => {
  const key = Buffer.from('0123456789abcdef0123456789abcdef');
  const now = Date.parse('Wed, 25 Nov 2026 00:12:30 GMT');
  function signed(body: string, tamper: Partial<Record<string, string>> = {}) {
    const hash = createHash('sha256').update(body).digest('base64');
    const date = new Date(now).toUTCString();
    const sts = `POST\n/sms?api-version=2021-03-07\n${date};127.0.0.1:1234;${hash}`;
    const sig = createHmac('sha256', key).update(sts).digest('base64');
    return {
      method: 'POST',
      pathAndQuery: '/sms?api-version=2021-03-07',
      body: Buffer.from(body),
      headers: {
        host: '127.0.0.1:1234',
        'x-ms-date': date,
        'x-ms-content-sha256': hash,
        authorization: `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=${sig}`,
        ...tamper,
      },
    };
  }

  it('accepts a correct signature and rejects each broken part', () => {
    expect(verifyHmac(signed('{"a":1}'), key, now)).toEqual({ ok: true });
    expect(verifyHmac(signed('{"a":1}', { host: '127.0.0.1:9999' }), key, now).ok).toBe(false);
    expect(verifyHmac({ ...signed('{"a":1}'), body: Buffer.from('{"a":2}') }, key, now)).toMatchObject({ ok: false, message: expect.stringMatching(/content hash/) as unknown });
    expect(verifyHmac({ ...signed('{"a":1}'), pathAndQuery: '/sms?api-version=2021-03-08' }, key, now).ok).toBe(false);
    expect(verifyHmac(signed('{"a":1}'), Buffer.from('another key, same length 32 byte'), now).ok).toBe(false);
    expect(verifyHmac(signed('{"a":1}'), key, now + 15 * 60_000).ok).toBe(true);
    expect(verifyHmac(signed('{"a":1}'), key, now + 15 * 60_000 + 1000).ok).toBe(false);
    expect(verifyHmac(signed('{"a":1}', { authorization: 'HMAC-SHA256 SignedHeaders=host&Signature=abc' }), key, now).ok).toBe(false);
  });
});

describe('FaultTable', () => {
  it('consumes count-limited faults in order and keeps recipient faults apart from route faults', () => {
    const table = new FaultTable(() => 0.5);
    table.add({ route: 'POST /sms', status: 500, count: 1 });
    table.add({ route: 'POST /sms', recipient: '+15550000001', status: 400 });
    table.add({ route: 'get /emails/operations/*', status: 503, rate: 0.4 });
    expect(table.takeRouteFault('POST', '/sms')?.status).toBe(500);
    expect(table.takeRouteFault('POST', '/sms')).toBeUndefined();
    expect(table.takeRecipientFault('POST', '/sms', '+15550000001')?.status).toBe(400);
    expect(table.takeRecipientFault('POST', '/sms', '+15550000002')).toBeUndefined();
    // random() = 0.5 is not below rate 0.4: not applied.
    expect(table.takeRouteFault('GET', '/emails/operations/abc')).toBeUndefined();
  });
});

describe('SmsRepeatabilityStore', () => {
  it('forgets an id once the tracking window has passed', () => {
    const store = new SmsRepeatabilityStore(300_000);
    const id = '6f1c1a9e-8a8b-4d3c-9a57-0d9c7d0c1f00';
    const t0 = Date.parse('Wed, 25 Nov 2026 00:00:00 GMT');
    const first = new Date(t0).toUTCString();
    expect(store.check(id, first, 'fp', t0).kind).toBe('new');
    store.remember(id, 'fp', { to: '+15550000001', httpStatusCode: 202, successful: true }, t0);
    expect(store.check(id, first, 'fp', t0 + 1000).kind).toBe('replay');
    expect(store.check(id, first, 'fp', t0 + 301_000)).toMatchObject({ kind: 'rejected', httpStatusCode: 412 });
    // A caller that refreshes first-sent after the window is treated as new: ACS no longer knows the id.
    expect(store.check(id, new Date(t0 + 301_000).toUTCString(), 'fp', t0 + 301_000).kind).toBe('new');
  });

  it('does not replay a 5xx outcome', () => {
    const store = new SmsRepeatabilityStore(300_000);
    const id = '6f1c1a9e-8a8b-4d3c-9a57-0d9c7d0c1f01';
    const t0 = Date.parse('Wed, 25 Nov 2026 00:00:00 GMT');
    store.remember(id, 'fp', { to: '+15550000001', httpStatusCode: 503, successful: false }, t0);
    expect(store.check(id, new Date(t0).toUTCString(), 'fp', t0).kind).toBe('new');
  });
});
