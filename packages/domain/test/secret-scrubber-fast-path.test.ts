import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../src/index.js';
import { scrubShapes } from '../src/secret-scrubber.js';

/*
 * scrubSecrets skips the regexes when one scan says no shape can match. These properties hold it
 * to the full pass: whatever the input, the answer is the same. The alphabets are biased towards
 * what each shape needs (triggers, scheme words, `eyJ`, runs with three or four character classes,
 * Unicode spaces), so the inputs sit on both sides of every condition the scan tests.
 */

const FRAGMENTS = [
  'eyJ', 'ey', 'J', 'eyj', 'eyJhbGciOiJIUzI1NiJ9', 'Bearer ', 'bearer\t', 'BASIC ', 'Basic\u00a0', 'Bear', 'er', 'Bas', 'ic',
  'AbCdEf0123456789abcdef', '%40', '%2B', '%2b', '%', 'password=', 'Password: ', '"client_secret":"', 'code=', 'sig=', 'tap:',
  '@', 'bob@contoso.com', 'contoso', '.com', '://', 'https://user:pw@host.test/', '+', '+1 555', '5555551234', '+44 20 7946 0958',
  '=', ':', 'Xy7#kQ2!', 'xy7#kq2!', 'Xy7akQ2b', 'XY7#KQ2!', '0e60f18c-b2a0-4887-9da8-da2e30a39d99', 'request.accepted',
  'assignmentRequestApproved', 'TL-0E60F18C', 'a', 'Z', '7', '#', '-', '_', '.', '/', '~', '!', '(', ')', '"', "'", '`', '…',
  ' ', '  ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u2028', '\u3000', '\ufeff', '\ud83d\ude00', 'é', '\u0000',
];

const fragmentText = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 24 }).map((parts) => parts.join(''));

// No trigger characters at all: the scan decides on runs and classes alone, so most inputs take
// the fast path and the run-length and class logic is what is under test.
const triggerFreeText = fc.string({ maxLength: 40, unit: fc.constantFrom(...'aZq7Q0#!-_./~()é…', ' ', '\t', '\n', '\u00a0', '\u2029') });

const anyText = fc.oneof(fragmentText, triggerFreeText, fc.string({ maxLength: 40 }), fc.string({ maxLength: 40, unit: 'binary' }));

describe('scrubSecrets fast path', () => {
  it('gives the same answer as the full scrub for every input', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(scrubSecrets(text)).toBe(scrubShapes(text));
      }),
      { numRuns: 30_000 },
    );
  });

  it('gives the same answer on text mixed from secrets and plain log fields', () => {
    const pieces = fc.array(fc.oneof(fragmentText, triggerFreeText), { maxLength: 6 }).map((parts) => parts.join(' '));
    fc.assert(
      fc.property(pieces, (text) => {
        expect(scrubSecrets(text)).toBe(scrubShapes(text));
      }),
      { numRuns: 10_000 },
    );
  });

  it.each([
    ['an event name', 'request.accepted'],
    ['a GUID', '0e60f18c-b2a0-4887-9da8-da2e30a39d99'],
    ['a run lacking a digit', 'Xy#kQ!ab'],
    ['a TAP-shaped run of 7', 'Xy7#kQ2'],
  ])('returns %s unchanged', (_what, text) => {
    expect(scrubSecrets(text)).toBe(text);
  });

  it.each([
    ['a TAP split by a Unicode space from a longer run', 'Xy7#\u00a0kQ2!abcd'],
    ['a JWT with no digit or symbol', 'eyJabcdefghijk'],
    ['a bearer token of letters', 'BEARER abcdefghijklmnopq'],
  ])('still scrubs %s', (_what, text) => {
    expect(scrubSecrets(text)).toBe(scrubShapes(text));
    expect(scrubSecrets(text)).toContain('[REDACTED:');
  });
});

/*
 * With `exact`, the registered values are cut out first and the scan then looks at what is left:
 * removing a secret can join two harmless pieces into a shape, or take away the only trigger. The
 * full scrub here is the documented order (exact values of 6+ characters, then every shape).
 */
function fullScrub(text: string, exact: Iterable<string>): string {
  let out = text;
  for (const secret of exact) {
    if (secret.length >= 6) out = out.split(secret).join('[REDACTED:secret]');
  }
  return scrubShapes(out);
}

describe('scrubSecrets fast path with exact secrets', () => {
  // Secrets are cut from the text itself (so they appear in it), built from the same fragments
  // (shape triggers, TAP-like runs), or short (under 6, so they must be ignored).
  const textAndSecrets = fc.oneof(fragmentText, triggerFreeText, fc.string({ maxLength: 40 })).chain((text) => {
    const cut = fc.tuple(fc.nat({ max: text.length }), fc.integer({ min: 1, max: 12 })).map(([start, length]) => text.slice(start, start + length));
    const secret = fc.oneof(
      { arbitrary: cut, weight: 3 },
      { arbitrary: fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 1, maxLength: 3 }).map((parts) => parts.join('')), weight: 2 },
      { arbitrary: fc.constantFrom('Xy7#kQ2!', 'Bearer', 'eyJhbG', 'abcdef', 'a=b', '@', 'bob@contoso.com', '+1 555', '12345'), weight: 1 },
    );
    return fc.tuple(fc.constant(text), fc.array(secret, { maxLength: 4 }), fc.boolean());
  });

  it('gives the same answer as the full scrub with the same exact secrets', () => {
    fc.assert(
      fc.property(textAndSecrets, ([text, secrets, asSet]) => {
        const exact = asSet ? new Set(secrets) : secrets;
        expect(scrubSecrets(text, { exact })).toBe(fullScrub(text, exact));
      }),
      { numRuns: 20_000 },
    );
  });

  it.each([
    ['scrubs a run the marker makes TAP-like (the text alone held no shape)', 'Xy7bogus12', ['bogus1'], '[REDACTED:tap]'],
    ['ignores a secret under 6 characters', 'aZ7#q hello', ['aZ7#q'], 'aZ7#q hello'],
  ])('%s', (_what, text, exact, expected) => {
    expect(scrubSecrets(text, { exact })).toBe(fullScrub(text, exact));
    expect(scrubSecrets(text, { exact })).toBe(expected);
  });
});
