import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTER_DESCRIPTION_MAX,
  DEAD_LETTER_REASONS,
  DEAD_LETTER_REASON_NAMES,
  PermanentError,
  RetryableError,
  describeForDeadLetter,
  isDeadLetterReason,
  isPermanent,
  isRetryable,
} from '../src/index.js';

describe('error taxonomy', () => {
  it('tells permanent, retryable and bugs apart', () => {
    const permanent = new PermanentError('TargetNotFound', 'target user does not exist');
    const retryable = new RetryableError('Graph answered 503', { retryAfterMs: 2128 });
    const bug = new TypeError('x is undefined');
    expect([isPermanent(permanent), isRetryable(permanent)]).toEqual([true, false]);
    expect([isPermanent(retryable), isRetryable(retryable)]).toEqual([false, true]);
    expect([isPermanent(bug), isRetryable(bug)]).toEqual([false, false]);
    expect([isPermanent('TargetNotFound'), isRetryable(undefined)]).toEqual([false, false]);
    expect(permanent.reason).toBe('TargetNotFound');
    expect(retryable.retryAfterMs).toBe(2128);
  });

  it('recognises errors from another copy of the package by shape', () => {
    const foreign = Object.assign(new Error('x'), { name: 'PermanentError', reason: 'GraphForbidden' });
    expect(isPermanent(foreign)).toBe(true);
    expect(isRetryable(Object.assign(new Error('y'), { name: 'RetryableError' }))).toBe(true);
  });

  it('ignores a nonsensical retry-after and keeps the cause out of the message', () => {
    expect(new RetryableError('x', { retryAfterMs: -1 }).retryAfterMs).toBeUndefined();
    expect(new RetryableError('x', { retryAfterMs: Number.NaN }).retryAfterMs).toBeUndefined();
    const cause = new Error('response body had bob@contoso.com');
    const err = new RetryableError('ACS answered 500', { cause });
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('ACS answered 500');
  });
});

describe('dead-letter reasons', () => {
  it('is a closed set covering every reason the design names', () => {
    for (const reason of [
      'InvalidMessage',
      'UnsupportedSchemaVersion',
      'TargetNotFound',
      'RequestorNotFound',
      'GraphForbidden',
      'TapPolicyRejected',
      'NoDeliverableContact',
      'TapExpired',
      'RetriesExhausted',
      'SealingKeyUnavailable',
      'MaxDeliveryCountExceeded',
    ]) {
      expect(isDeadLetterReason(reason), reason).toBe(true);
    }
    expect(isDeadLetterReason('Whatever')).toBe(false);
    expect(isDeadLetterReason('toString')).toBe(false);
    expect(DEAD_LETTER_REASONS.MaxDeliveryCountExceeded.setBy).toBe('broker');
  });

  it('describes each reason in one line', () => {
    for (const name of DEAD_LETTER_REASON_NAMES) {
      const { description } = DEAD_LETTER_REASONS[name];
      expect(description.length, name).toBeGreaterThan(10);
      expect(description, name).not.toContain('\n');
    }
  });
});

describe('describeForDeadLetter', () => {
  it('names the class and reason and keeps the safe message', () => {
    expect(describeForDeadLetter(new PermanentError('GraphForbidden', 'Graph 403 on GET /users/{id}/manager'))).toBe(
      '[GraphForbidden] PermanentError: Graph 403 on GET /users/{id}/manager',
    );
    expect(describeForDeadLetter('boom')).toBe('thrown string: boom');
    expect(describeForDeadLetter(undefined)).toBe('thrown undefined');
    expect(describeForDeadLetter(null)).toBe('thrown null');
  });

  it('never contains a secret, a phone number, an email or a token, even from careless messages', () => {
    const careless = new Error(
      'ACS rejected +1 5555551234 and bob@contoso.com with TAP Xy7#kQ2! using Bearer AbCdEf0123456789abcdef0123 AccountKey=abc123==',
    );
    const description = describeForDeadLetter(careless);
    for (const secret of ['5555551234', 'bob@contoso.com', 'Xy7#kQ2!', 'AbCdEf0123456789abcdef0123', 'abc123==']) expect(description).not.toContain(secret);
    expect(describeForDeadLetter(new Error('issued plainsecret'), ['plainsecret'])).not.toContain('plainsecret');
  });

  it('leaves the cause and the stack out', () => {
    const err = new RetryableError('Graph 503', { cause: new Error('upstream said hunter2') });
    const description = describeForDeadLetter(err);
    expect(description).not.toContain('hunter2');
    expect(description).not.toContain('    at ');
  });

  it('truncates to the limit', () => {
    const description = describeForDeadLetter(new Error('x '.repeat(5000)));
    expect(description.length).toBe(DEAD_LETTER_DESCRIPTION_MAX);
    expect(description.endsWith('…')).toBe(true);
  });
});
