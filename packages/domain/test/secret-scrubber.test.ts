import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_SCAN_LENGTH, isTapLike, scrubAndCap, scrubSecrets } from '../src/index.js';

/** Secrets of every shape the scrubber promises to catch, each with where it may hide. */
const SECRET_SAMPLES = {
  tap: ['Xy7#kQ2!', 'q9W$e3Rt%yU1', 'A1b2C3d4!e5F6g7H8i9J0k#L', 'zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@zZ9@'],
  phone: ['+1 5555551234', '+15555551234', '+1 5555551234x123', '+44 20 7946 0958', '+49 (30) 901820', '+33.1.23.45.67.89'],
  email: ['bob@contoso.com', 'Bob.O-Neil+tap@mail.contoso.co.uk', 'x@y.io', 'bob%40contoso.com'],
  token: [
    'Bearer AbCdEf0123456789abcdef0123',
    'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
    'eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9',
  ],
  credential: [
    'AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
    'SharedAccessKey=AbC123+/xyz=',
    'accesskey=abc123def456',
    'sig=abcdef%2Bghij',
    'password: hunter2hunter2',
    '"client_secret":"s3cr3t-value"',
  ],
};

/** The part of each sample that must not survive (a credential's value, a bearer's token). */
function secretPart(kind: string, sample: string): string {
  if (kind === 'credential') return sample.replace(/^.*?[=:]\s*"?/, '').replace(/"$/, '');
  if (kind === 'token' && sample.startsWith('Bearer ')) return sample.slice('Bearer '.length);
  return sample;
}

const ALL = Object.entries(SECRET_SAMPLES).flatMap(([kind, samples]) => samples.map((s) => [kind, s] as const));

describe('scrubSecrets', () => {
  it.each(ALL)('removes a %s (%s) wherever it sits in text', (kind, sample) => {
    const secret = secretPart(kind, sample);
    for (const text of [sample, `value ${sample} end`, `(${sample}),`, `"${sample}"`, `{"note":"${sample}"}`, `a;${sample};b`]) {
      const out = scrubSecrets(text);
      expect(out, text).not.toContain(secret);
      expect(out).toContain('[REDACTED:');
    }
  });

  it('removes a TAP inside long unspaced text such as stringified JSON and URLs', () => {
    const tap = 'Xy7#kQ2!';
    expect(scrubSecrets(`{"requestId":"0e60f18c-b2a0-4887-9da8-da2e30a39d99","pass":"${tap}","n":1}`)).not.toContain(tap);
    expect(scrubSecrets(`https://example.test/path?x=${tap}&y=2`)).not.toContain(tap);
    expect(scrubSecrets(`https://example.test/path?x=1&code=anyFunctionKey123==`)).not.toContain('anyFunctionKey123');
    expect(scrubSecrets('https://user:Pa55word@host.test/')).not.toContain('Pa55word');
  });

  it('removes exact registered values even when they have no recognisable shape', () => {
    const tap = 'abcdefgh'; // no upper case, digit or symbol: invisible to the shape rules
    expect(scrubSecrets(`issued ${tap} for Bob`)).toContain(tap);
    expect(scrubSecrets(`issued ${tap} for Bob`, { exact: [tap] })).toBe('issued [REDACTED:secret] for Bob');
    expect(scrubSecrets('tiny abc', { exact: ['abc'] })).toBe('tiny abc');
  });

  it.each([
    'requestId=0e60f18c-b2a0-4887-9da8-da2e30a39d99',
    '0E60F18C-B2A0-4887-9DA8-DA2E30A39D99',
    '{957d0c50-466b-4840-bb5b-c92cea7141ff}',
    '2026-11-25T10:00:05.123Z',
    '2026-11-25T10:00:05+01:00',
    'delivery:0e60f18c-b2a0-4887-9da8-da2e30a39d99:dddddddd-0000-4000-8000-00000000000d',
    'retry:957d0c50-466b-4840-bb5b-c92cea7141ff:3',
    '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    'TL-0E60F18C',
    'deliveryCount=3',
    'schemaVersion=2',
    'alg=A256GCM',
    'attempt=2/10',
    'https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/assignmentRequests',
    'https://Graph.Test1/v1.0',
    'Assignment.Target.ObjectId',
    'tap-requests/$deadletterqueue',
    'HTTP/1.1 429 Too Many Requests',
    'amqp://127.0.0.1:5672',
    'Retry-After: 2.128',
    'TypeError: Cannot read properties of undefined (reading \'objectId\')',
    'at decode (file:///work/main/packages/domain/src/extension-event.ts:120:15)',
    'sent to phone ending 42',
    'lifetime 60 minutes, usable once',
  ])('leaves %s alone', (text) => {
    expect(scrubSecrets(text)).toBe(text);
  });

  it('is idempotent', () => {
    const text = `Bob bob@contoso.com +1 5555551234 got Xy7#kQ2! via Bearer AbCdEf0123456789abcdef0123`;
    const once = scrubSecrets(text);
    expect(scrubSecrets(once)).toBe(once);
  });

  it('cuts very long input without leaving a fragment of a secret at the cut', () => {
    const filler = 'a '.repeat(MAX_SCAN_LENGTH / 2 - 2);
    const out = scrubSecrets(`${filler}Xy7#kQ2!Xy7#kQ2! tail`);
    expect(out.endsWith('…[truncated]')).toBe(true);
    expect(out).not.toMatch(/Xy7/);
    expect(out.length).toBeLessThan(MAX_SCAN_LENGTH + 20);
  });

  it('stays fast on hostile input', () => {
    const hostile = ['a'.repeat(60_000), '+1 '.repeat(20_000), 'x@'.repeat(30_000), 'eyJ'.repeat(20_000), `${'=a'.repeat(30_000)}`];
    const started = performance.now();
    for (const text of hostile) scrubSecrets(text);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('never leaves an embedded TAP-shaped token in random surrounding text', () => {
    const tapLike = fc
      .tuple(fc.constantFrom('A', 'Q', 'Z'), fc.constantFrom('b', 'x', 'q'), fc.constantFrom('3', '7', '9'), fc.constantFrom('#', '!', '%', '$', '*'), fc.string({ minLength: 4, maxLength: 20, unit: fc.constantFrom(...'abcXYZ0123!#%*') }))
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(tapLike, fc.string({ maxLength: 40 }), fc.string({ maxLength: 40 }), (tap, before, after) => {
        const out = scrubSecrets(`${before} ${tap} ${after}`);
        expect(out).not.toContain(tap);
      }),
      { numRuns: 300 },
    );
  });
});

describe('isTapLike', () => {
  it('needs 8 to 48 characters with all four classes', () => {
    expect(isTapLike('Xy7#kQ2!')).toBe(true);
    expect(isTapLike('Xy7#kQ2')).toBe(false);
    expect(isTapLike('Xy7#kQ2!'.repeat(6) + 'a')).toBe(false);
    expect(isTapLike('xy7#kq2!')).toBe(false);
    expect(isTapLike('Xy7akQ2b')).toBe(false);
    expect(isTapLike('Xy #kQ2!')).toBe(false);
  });
});

describe('scrubAndCap', () => {
  it('scrubs first, then cuts to the cap with an ellipsis', () => {
    expect(scrubAndCap('token=Xy7#kQ2!abc', 100)).toBe('token=[REDACTED:credential]');
    const capped = scrubAndCap(`mail bob@example.com ${'x'.repeat(50)}`, 20);
    expect(capped).toHaveLength(20);
    expect(capped).toBe('mail [REDACTED:emai…');
    expect(scrubAndCap('short', 5)).toBe('short');
  });
});
