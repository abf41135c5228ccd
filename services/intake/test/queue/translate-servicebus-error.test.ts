import { describe, expect, it } from 'vitest';
import { isRetryable } from '@tapline/domain';
import { translateServiceBusError } from '../../src/queue/translate-servicebus-error.js';

const sbError = (code: string, retryable: boolean) => Object.assign(new Error(`sb ${code}`), { name: 'ServiceBusError', code, retryable });

describe('translateServiceBusError', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['a reset connection', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['the abort of the time budget', Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })],
    ['ServiceBusy', sbError('ServiceBusy', true)],
    ['ServiceTimeout', sbError('ServiceTimeout', true)],
    ['any error the SDK marks retryable', Object.assign(new Error('x'), { retryable: true })],
    ['the retry loop giving up on a timeout, then the abort', new AggregateError([sbError('ServiceTimeout', true), Object.assign(new Error('aborted'), { name: 'AbortError' })], 'failed')],
  ])('%s is retryable', (_name, error) => {
    const translated = translateServiceBusError(error, 800);
    expect(isRetryable(translated)).toBe(true);
    expect(translated.cause).toBe(error);
  });

  it.each([
    ['an unknown queue', sbError('MessagingEntityNotFound', false)],
    ['bad credentials', sbError('UnauthorizedAccess', false)],
    ['a message too large', sbError('MessageSizeExceeded', false)],
    ['a TypeError (a bug)', new TypeError('x is not a function')],
    ['an AggregateError of permanent errors', new AggregateError([sbError('MessagingEntityNotFound', false)], 'failed')],
  ])('%s is not retryable', (_name, error) => {
    expect(isRetryable(translateServiceBusError(error, 800))).toBe(false);
  });

  it('names the error without quoting its message (which may carry entity names or more)', () => {
    const translated = translateServiceBusError(sbError('MessagingEntityNotFound', false), 800);
    expect(translated.message).toBe('Service Bus rejected the message: ServiceBusError/MessagingEntityNotFound');
  });
});
