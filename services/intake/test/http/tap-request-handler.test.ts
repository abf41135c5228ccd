import { recordSpans } from '@tapline/observability/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { RetryableError } from '@tapline/domain';
import { callout, calloutIds, connectionTest } from '../helpers/callouts.js';
import { FIXED_NOW, handlerFixture, headerOf } from '../helpers/intake-ports.js';
import { OTHER_APP_ID, newKey, relayClaims, sign } from '../helpers/tokens.js';
import type { TestKey } from '../helpers/tokens.js';

let key: TestKey;
let token: string;

beforeAll(async () => {
  key = await newKey();
  token = await sign(key, relayClaims());
});

const json = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra });
const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

recordSpans();

describe('POST /api/tap-requests', () => {
  it('enqueues an on-behalf request and answers 202 with the request id', async () => {
    const f = handlerFixture(key);
    const ids = calloutIds();
    const res = await f.call({ body: JSON.stringify(callout({}, ids)), headers: json({ traceparent: PARENT, tracestate: 'congo=t61rcWkgMzE' }) });

    expect(res.status).toBe(202);
    expect(res.json).toEqual({ requestId: ids.requestId, status: 'accepted' });
    const [message, ...more] = f.queue.drain();
    expect(more).toEqual([]);
    expect(message?.messageId).toBe(ids.stageInstanceId);
    expect(message?.correlationId).toBe(ids.requestId);
    expect(message?.contentType).toBe('application/json');
    expect(message?.body).toEqual({
      schemaVersion: 1,
      requestId: ids.requestId,
      stageInstanceId: ids.stageInstanceId,
      stage: 'assignmentRequestApproved',
      requestType: 'onBehalfAdd',
      requestorId: ids.requestorId,
      targetId: ids.targetId,
      accessPackageId: ids.accessPackageId,
      callback: {
        uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${ids.requestId}/resume`,
        stage: 'assignmentRequestApproved',
        stageInstanceId: ids.stageInstanceId,
      },
      receivedAt: FIXED_NOW.toISOString(),
      attempt: 1,
      traceparent: message?.applicationProperties.traceparent,
    });
    // The incoming trace continues: same trace id, this hop's own span id.
    expect(message?.applicationProperties.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-(?!00f067aa0ba902b7)[0-9a-f]{16}-01$/);
    expect(message?.applicationProperties.tracestate).toBe('congo=t61rcWkgMzE');
    expect(f.metrics.snapshot()).toMatchObject({ accepted: 1 });
  });

  it('lower-cases ids, so the message id is the same whatever casing Entra used', async () => {
    const f = handlerFixture(key);
    const ids = calloutIds();
    const upper = { ...ids, stageInstanceId: ids.stageInstanceId.toUpperCase(), requestId: ids.requestId.toUpperCase() };
    const res = await f.call({ body: JSON.stringify(callout({}, upper)), headers: json() });
    expect(res.json).toEqual({ requestId: ids.requestId, status: 'accepted' });
    expect(f.queue.peek()[0]?.messageId).toBe(ids.stageInstanceId);
  });

  it('starts a trace when the caller sent none', async () => {
    const f = handlerFixture(key);
    await f.call({ body: JSON.stringify(callout()), headers: json() });
    const [message] = f.queue.drain();
    expect(message?.applicationProperties.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(message?.applicationProperties.tracestate).toBeUndefined();
  });

  it('leaves one message when Entra retries the same call-out', async () => {
    const f = handlerFixture(key);
    const body = JSON.stringify(callout());
    const first = await f.call({ body, headers: json() });
    const second = await f.call({ body, headers: json() });
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(f.queue.drain()).toHaveLength(1);
  });

  it('answers the connection test 202 without enqueueing', async () => {
    const f = handlerFixture(key);
    const res = await f.call({ body: JSON.stringify(connectionTest()), headers: json() });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ requestId: null, status: 'ignored' });
    expect(f.queue.sendCount).toBe(0);
  });

  it.each([
    ['a stage it does not handle', { Stage: 'assignmentRequestCreated' }, 'unhandledStage'],
    ['a removal', { Stage: 'assignmentRequestRemoved' }, 'unhandledStage'],
    ['a request type it does not handle', { RequestType: 'userAdd' }, 'unhandledRequestType'],
    ['a request type Graph added later', { RequestType: 'brandNewType' }, 'unhandledRequestType'],
    ['a request without a request type', { RequestType: undefined }, 'unhandledRequestType'],
  ])('answers %s 202, counts and logs it, and does not enqueue', async (_name, overrides, reason) => {
    const f = handlerFixture(key);
    const ids = calloutIds();
    const res = await f.call({ body: JSON.stringify(callout(overrides, ids)), headers: json() });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ requestId: ids.requestId, status: 'ignored' });
    expect(f.queue.sendCount).toBe(0);
    expect(f.metrics.snapshot()).toMatchObject({ ignored: 1, [`ignored/${reason}`]: 1 });
    expect(f.logger.entries.find((e) => e.fields.event === 'intake.request.ignored')?.fields).toMatchObject({ reason, requestId: ids.requestId });
  });

  it('answers a pre-expiration call-out 202 without enqueueing (no requestor, nothing to issue)', async () => {
    const f = handlerFixture(key);
    const ids = calloutIds();
    const body = {
      Stage: 'assignmentOneDayBeforeExpiration',
      CustomExtensionStageInstanceId: ids.stageInstanceId,
      AccessPackageAssignmentRequestId: ids.requestId,
      AccessPackage: { Id: ids.accessPackageId },
      AccessPackageCatalog: { Id: ids.accessPackageId },
      Assignment: { Id: ids.targetId, Target: { ObjectId: ids.targetId } },
    };
    const res = await f.call({ body: JSON.stringify(body), headers: json() });
    expect(res.status).toBe(202);
    expect(f.queue.sendCount).toBe(0);
    expect(f.metrics.snapshot()).toMatchObject({ 'ignored/unhandledStage': 1 });
  });

  it('handles the stages and request types it is configured for', async () => {
    const f = handlerFixture(key, { settings: { handled: { stages: ['assignmentRequestCreated'], requestTypes: ['userAdd'] } } });
    const res = await f.call({ body: JSON.stringify(callout({ Stage: 'assignmentRequestCreated', RequestType: 'userAdd' })), headers: json() });
    expect(res.json).toMatchObject({ status: 'accepted' });
    expect(f.queue.drain()).toHaveLength(1);
  });

  describe('refuses, never echoing the body', () => {
    const MARKER = 'SECRET-MARKER-+15555551234';

    it.each([
      ['no content type', {}],
      ['text/plain', { 'content-type': 'text/plain' }],
      ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
      ['JSON in another charset', { 'content-type': 'application/json; charset=iso-8859-1' }],
    ])('415 for %s', async (_name, headers) => {
      const f = handlerFixture(key);
      const res = await f.call({ body: JSON.stringify(callout()), headers: { authorization: `Bearer ${token}`, ...headers } });
      expect(res.status).toBe(415);
      expect(headerOf(res, 'content-type')).toBe('application/problem+json');
      expect(f.queue.sendCount).toBe(0);
    });

    it('accepts application/json with a utf-8 charset', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: JSON.stringify(callout()), headers: json({ 'content-type': 'application/json; charset=UTF-8' }) });
      expect(res.status).toBe(202);
    });

    it('413 past 64 KiB, counted while reading (no Content-Length to trust)', async () => {
      const f = handlerFixture(key);
      const body = JSON.stringify(callout({ Padding: 'x'.repeat(64 * 1024) }));
      const res = await f.call({ body, headers: json() });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ status: 413, type: 'urn:tapline:problem:payload-too-large' });
      expect(f.queue.sendCount).toBe(0);
    });

    it('413 from a Content-Length past the limit, before reading', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: JSON.stringify(callout()), headers: json({ 'content-length': String(10 * 1024 * 1024) }) });
      expect(res.status).toBe(413);
    });

    it('accepts a body of exactly 64 KiB', async () => {
      const f = handlerFixture(key);
      const base = JSON.stringify(callout({ Padding: '' }));
      const body = JSON.stringify(callout({ Padding: 'x'.repeat(64 * 1024 - Buffer.byteLength(base)) }));
      expect(Buffer.byteLength(body)).toBe(64 * 1024);
      expect((await f.call({ body, headers: json() })).status).toBe(202);
    });

    it('400 with a problem document for a body that is not JSON', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: `{"Stage": "${MARKER}"`, headers: json() });
      expect(res.status).toBe(400);
      expect(headerOf(res, 'content-type')).toBe('application/problem+json');
      expect(res.json).toEqual({
        type: 'urn:tapline:problem:invalid-request',
        title: expect.any(String) as string,
        status: 400,
        detail: 'The body is not valid JSON.',
        invalidField: '(body)',
      });
      expect(res.text).not.toContain(MARKER);
    });

    it('400 for invalid UTF-8', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), headers: json() });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ invalidField: '(body)' });
    });

    it('400 naming the field that breaks the contract, without its value', async () => {
      const f = handlerFixture(key);
      const body = callout({ Requestor: { ObjectId: MARKER, DisplayName: 'Alice' } });
      const res = await f.call({ body: JSON.stringify(body), headers: json() });
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ status: 400, invalidField: 'Requestor.ObjectId' });
      expect(res.text).not.toContain(MARKER);
      expect(JSON.stringify(f.logger.entries)).not.toContain(MARKER);
      expect(f.queue.sendCount).toBe(0);
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"hello"'],
      ['null', 'null'],
      ['an empty body', ''],
      ['a missing stage instance id', JSON.stringify(callout({ CustomExtensionStageInstanceId: undefined }))],
      ['an unknown stage', JSON.stringify(callout({ Stage: 'assignmentRequestExploded' }))],
      ['a callback path outside entitlement management', JSON.stringify(callout({ CallbackUriPath: 'https://evil.example/steal' }))],
    ])('400 for %s', async (_name, body) => {
      const f = handlerFixture(key);
      const res = await f.call({ body, headers: json() });
      expect(res.status).toBe(400);
      expect(typeof (res.json as { invalidField?: unknown }).invalidField).toBe('string');
      expect(f.queue.sendCount).toBe(0);
    });

    it.each([
      // Not call-outs, so 400 either way: the detail says whether the nesting bound refused them.
      ['32 levels of objects', `{"a":${'{"a":'.repeat(31)}1${'}'.repeat(31)}}`, false],
      ['33 levels, arrays and objects alternating', `{"a":${'[{"a":'.repeat(16)}1${'}]'.repeat(16)}}`, true],
    ])('the nesting bound is exact: %s', async (_name, body, refused) => {
      const f = handlerFixture(key);
      const res = await f.call({ body, headers: json() });
      expect(res.status).toBe(400);
      expect(String((res.json as { detail?: unknown }).detail).includes('nests deeper')).toBe(refused);
    });

    it('brackets inside strings do not count as nesting', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: JSON.stringify(callout({ Note: '{['.repeat(40) })), headers: json() });
      expect(res.status).toBe(202);
      expect(f.queue.sendCount).toBe(1);
    });

    it('400 for nesting far deeper than any call-out', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: `${'['.repeat(5000)}${']'.repeat(5000)}`, headers: json() });
      expect(res.status).toBe(400);
    });
  });

  describe('authentication comes first', () => {
    it('401 with a bare Bearer challenge and nothing read when there is no token', async () => {
      const f = handlerFixture(key);
      const res = await f.call({ body: JSON.stringify(callout()), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(401);
      expect(headerOf(res, 'www-authenticate')).toBe('Bearer realm="tapline-intake"');
      expect(f.queue.sendCount).toBe(0);
    });

    it('401 with invalid_token for a bad token, which is never echoed or logged', async () => {
      const f = handlerFixture(key);
      const expired = await sign(key, relayClaims({ exp: Math.floor(Date.now() / 1000) - 3600 }));
      const res = await f.call({ body: 'not even json', headers: { authorization: `Bearer ${expired}`, 'content-type': 'text/plain' } });
      expect(res.status).toBe(401);
      expect(headerOf(res, 'www-authenticate')).toMatch(/^Bearer realm="tapline-intake", error="invalid_token"/);
      expect(res.text).not.toContain(expired.split('.')[1]);
      expect(JSON.stringify(f.logger.entries)).not.toContain(expired.split('.')[1]);
      expect(f.logger.entries.find((e) => e.fields.event === 'intake.auth.rejected')?.fields).toMatchObject({ reason: 'expired' });
    });

    it('403 for a valid token of a caller that is not allowed', async () => {
      const f = handlerFixture(key);
      const other = await sign(key, relayClaims({ appid: OTHER_APP_ID }));
      const res = await f.call({ body: JSON.stringify(callout()), headers: json({ authorization: `Bearer ${other}` }) });
      expect(res.status).toBe(403);
      expect(res.json).toMatchObject({ status: 403 });
      expect(f.queue.sendCount).toBe(0);
    });
  });

  describe('when Service Bus is unavailable', () => {
    it('503 with Retry-After, logged without the payload', async () => {
      const f = handlerFixture(key);
      f.queue.setAvailable(false);
      const ids = calloutIds();
      const res = await f.call({ body: JSON.stringify(callout({}, ids)), headers: json() });
      expect(res.status).toBe(503);
      expect(headerOf(res, 'retry-after')).toBe('5');
      expect(res.json).toMatchObject({ status: 503, type: 'urn:tapline:problem:unavailable' });
      const logged = JSON.stringify(f.logger.entries);
      expect(logged).toContain('intake.enqueue.unavailable');
      expect(logged).toContain(ids.requestId);
      for (const personal of [ids.requestorId, ids.targetId, 'Bob Report', 'lost my phone']) expect(logged).not.toContain(personal);
      expect(f.metrics.snapshot()).toMatchObject({ unavailable: 1 });
    });

    it('500 (not 503) when the send fails for a reason retrying cannot fix', async () => {
      const f = handlerFixture(key, { sender: { send: () => Promise.reject(new Error('Service Bus rejected the message (ServiceBusError/MessagingEntityNotFound)')), open: () => Promise.resolve(), close: () => Promise.resolve() } });
      const res = await f.call({ body: JSON.stringify(callout()), headers: json() });
      expect(res.status).toBe(500);
      expect(res.json).toMatchObject({ status: 500 });
    });

    it('recovers as soon as the queue is back', async () => {
      const f = handlerFixture(key);
      f.queue.setAvailable(false);
      const body = JSON.stringify(callout());
      expect((await f.call({ body, headers: json() })).status).toBe(503);
      f.queue.setAvailable(true);
      expect((await f.call({ body, headers: json() })).status).toBe(202);
      expect(f.queue.drain()).toHaveLength(1);
    });

    it('treats a RetryableError from any sender as 503', async () => {
      const f = handlerFixture(key, { sender: { send: () => Promise.reject(new RetryableError('down')), open: () => Promise.resolve(), close: () => Promise.resolve() } });
      expect((await f.call({ body: JSON.stringify(callout()), headers: json() })).status).toBe(503);
    });
  });
});
