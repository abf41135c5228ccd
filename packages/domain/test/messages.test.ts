import { describe, expect, it } from 'vitest';
import {
  type MessageDecodeResult,
  type SealedBox,
  type TapDeliveryMessage,
  type TapDenialMessage,
  decodeDeliveryContacts,
  decodeExtensionEvent,
  decodeTapOutcome,
  decodeTapRequest,
  deliveryMessageId,
  deliveryTimeToLiveMs,
  denialMessageId,
  encodeDeliveryContacts,
  encodeTapOutcome,
  encodeTapRequest,
  nextAttempt,
  requestMessageId,
  requestRetryMessageId,
  sealingAad,
  tapRequestFromEvent,
  toE164,
} from '../src/index.js';
import { IDS, requestCallout, requestMessage } from './builders.js';

const box: SealedBox = {
  alg: 'A256GCM',
  kid: 'tap-sealing-2026-11',
  iv: 'AAECAwQFBgcICQoL',
  ciphertext: 'q83vEjRWeJCrze8SNFZ4kA',
  tag: 'AAECAwQFBgcICQoLDA0ODw',
};


function delivery(overrides: Partial<TapDeliveryMessage> = {}): TapDeliveryMessage {
  return {
    kind: 'delivery',
    schemaVersion: 1,
    requestId: IDS.request,
    tapId: IDS.tap,
    targetId: IDS.report,
    requestorId: IDS.manager,
    issuedAt: '2026-11-25T10:00:05.000Z',
    expiresAt: '2026-11-25T11:00:05.000Z',
    lifetimeMinutes: 60,
    isUsableOnce: true,
    sealedSecret: box,
    sealedContacts: box,
    attempt: 1,
    ...overrides,
  };
}

function denial(overrides: Partial<TapDenialMessage> = {}): TapDenialMessage {
  return {
    kind: 'denial',
    schemaVersion: 1,
    requestId: IDS.request,
    referenceId: 'TL-0E60F18C',
    targetId: IDS.report,
    requestorId: IDS.manager,
    reasons: ['TargetPrivilegedRole', 'TargetCooldown'],
    sealedContacts: box,
    decidedAt: '2026-11-25T10:00:05.000Z',
    attempt: 1,
    ...overrides,
  };
}

function errorOf<T>(result: MessageDecodeResult<T>) {
  if (result.ok) throw new Error('expected a decode error');
  return result.error;
}

describe('TapRequestMessage', () => {
  it('round-trips through a string, a parsed object and bytes', () => {
    const msg = requestMessage();
    const text = encodeTapRequest(msg);
    expect(decodeTapRequest(text)).toEqual({ ok: true, message: msg });
    expect(decodeTapRequest(JSON.parse(text))).toEqual({ ok: true, message: msg });
    expect(decodeTapRequest(new TextEncoder().encode(text))).toEqual({ ok: true, message: msg });
  });

  it('is built from a decoded call-out, keeping the callback only for launch-and-wait', () => {
    const decoded = decodeExtensionEvent(requestCallout());
    if (!decoded.ok || decoded.event.kind !== 'assignmentRequest') throw new Error('fixture must decode');
    const msg = tapRequestFromEvent(decoded.event, { receivedAt: new Date('2026-11-25T10:00:00.000Z'), traceparent: requestMessage().traceparent });
    expect(msg).toEqual(requestMessage());
    const noWait = tapRequestFromEvent({ ...decoded.event, callbackUriPath: undefined }, { receivedAt: new Date(0) });
    expect(noWait).not.toHaveProperty('callback');
    expect(decodeTapRequest(encodeTapRequest(noWait)).ok).toBe(true);
  });

  it('counts attempts for delayed retries', () => {
    expect(nextAttempt(nextAttempt(requestMessage())).attempt).toBe(3);
  });

  it.each([
    [{ requestId: undefined }, 'requestId', 'is required'],
    [{ requestId: 'not-a-guid' }, 'requestId', 'must be a GUID'],
    [{ targetId: 'bob@contoso.com' }, 'targetId', 'must be a GUID'],
    [{ attempt: 0 }, 'attempt', 'must be at least 1'],
    [{ attempt: 1.5 }, 'attempt', 'must be an integer'],
    [{ stage: 'assignmentFourteenDaysBeforeExpiration' }, 'stage', 'is not one of the accepted values'],
    [{ receivedAt: 'yesterday' }, 'receivedAt', 'Invalid ISO datetime'],
    [{ traceparent: 'not-a-trace' }, 'traceparent', 'must be a W3C traceparent'],
    [{ callback: { uriPath: 'https://evil.example/x', stage: 'assignmentRequestApproved', stageInstanceId: IDS.stageInstance } }, 'callback.uriPath', 'must be a relative Graph path under /identityGovernance/entitlementManagement/'],
    [{ schemaVersion: 0 }, 'schemaVersion', 'must be 1'],
  ] as const)('reports %j as a field error on %s', (override, field, message) => {
    const body = { ...requestMessage(), ...override } as Record<string, unknown>;
    const error = errorOf(decodeTapRequest(body));
    expect(error.field).toBe(field);
    expect(error.reason).toBe('InvalidMessage');
    // zod's own wording for a bad datetime is not ours: accept any safe message there.
    if (message !== 'Invalid ISO datetime') expect(error.message).toBe(message);
    expect(error.message).not.toContain('evil');
    expect(error.message).not.toContain('contoso');
  });

  it('marks a newer schema version as unsupported, not invalid', () => {
    expect(errorOf(decodeTapRequest({ ...requestMessage(), schemaVersion: 2 }))).toEqual({
      field: 'schemaVersion',
      message: 'is newer than this build understands',
      reason: 'UnsupportedSchemaVersion',
    });
  });

  it('rejects malformed bodies as InvalidMessage', () => {
    expect(errorOf(decodeTapRequest('{"schemaVersion": 1,'))).toEqual({ field: '(body)', message: 'is not valid JSON', reason: 'InvalidMessage' });
    expect(errorOf(decodeTapRequest(new Uint8Array([0xff, 0xfe, 0x00])))).toEqual({ field: '(body)', message: 'is not valid UTF-8', reason: 'InvalidMessage' });
    expect(errorOf(decodeTapRequest('x'.repeat(300 * 1024)))).toEqual({ field: '(body)', message: 'is too large', reason: 'InvalidMessage' });
    expect(errorOf(decodeTapRequest(null)).field).toBe('(body)');
    expect(errorOf(decodeTapRequest([requestMessage()])).field).toBe('(body)');
  });

  it('drops unknown fields so a newer producer can add optional ones', () => {
    const result = decodeTapRequest({ ...requestMessage(), addedLater: 'x' });
    expect(result.ok && 'addedLater' in result.message).toBe(false);
  });

  it('refuses to encode an invalid message, naming the field but not the value', () => {
    expect(() => encodeTapRequest(requestMessage({ targetId: 'bob@contoso.com' }))).toThrow(/^refusing to encode an invalid TapRequestMessage: targetId must be a GUID$/);
  });
});

describe('TapOutcomeMessage', () => {
  it('round-trips a delivery and a denial', () => {
    for (const msg of [delivery(), delivery({ callback: requestMessage().callback }), denial()]) {
      expect(decodeTapOutcome(encodeTapOutcome(msg))).toEqual({ ok: true, message: msg });
      expect(decodeTapOutcome(JSON.parse(encodeTapOutcome(msg)))).toEqual({ ok: true, message: msg });
    }
  });

  it.each([
    [delivery({ sealedSecret: { ...box, iv: 'AAEC' } }), 'sealedSecret.iv', 'must be at least 16 characters'],
    [delivery({ sealedSecret: { ...box, tag: 'AAECAwQFBgcICQoLDA0OD+' } }), 'sealedSecret.tag', 'must be base64url without padding'],
    [delivery({ sealedContacts: { ...box, alg: 'A128GCM' as 'A256GCM' } }), 'sealedContacts.alg', 'must be "A256GCM"'],
    [delivery({ sealedSecret: { ...box, kid: '' } }), 'sealedSecret.kid', 'must be a key id (1-128 of A-Z a-z 0-9 . _ : -)'],
    [delivery({ expiresAt: '2026-11-25T10:00:00.000Z' }), 'expiresAt', 'must be after issuedAt'],
    [delivery({ lifetimeMinutes: 5 }), 'lifetimeMinutes', 'must be at least 10'],
    [delivery({ tapId: 'Xy7#kQ2!' }), 'tapId', 'must be a GUID'],
    [denial({ reasons: [] }), 'reasons', 'must have at least 1 item'],
    [denial({ reasons: ['Whatever' as 'TargetGuest'] }), 'reasons.0', 'is not one of the accepted values'],
    [denial({ referenceId: 'TL-0e60f18c' }), 'referenceId', 'must be a reference id (TL- and 8 upper-case hex digits)'],
    [{ ...denial(), kind: 'confirmation' }, 'kind', 'must be one of "delivery", "denial"'],
  ] as const)('reports a field error on %# (%s)', (body, field, message) => {
    const error = errorOf(decodeTapOutcome(body));
    expect(error).toEqual({ field, message, reason: 'InvalidMessage' });
    expect(error.message).not.toContain('Xy7#kQ2!');
  });

  it('gives the delivery a time to live that ends when the TAP expires', () => {
    const msg = delivery();
    expect(deliveryTimeToLiveMs(msg, new Date('2026-11-25T10:30:05.000Z'))).toBe(30 * 60_000);
    expect(deliveryTimeToLiveMs(msg, new Date('2026-11-25T12:00:00.000Z'))).toBe(0);
  });
});

describe('sealing and ids', () => {
  it('binds the AAD to request, TAP and field, whatever the id casing', () => {
    const aads = new Set([
      sealingAad(IDS.request, IDS.tap, 'secret'),
      sealingAad(IDS.request, IDS.tap, 'contacts'),
      sealingAad(IDS.request, IDS.assignment, 'secret'),
      sealingAad(IDS.stageInstance, IDS.tap, 'secret'),
      sealingAad(IDS.request, null, 'contacts'),
    ]);
    expect(aads.size).toBe(5);
    expect(sealingAad(IDS.request.toUpperCase(), IDS.tap.toUpperCase(), 'secret')).toBe(sealingAad(IDS.request, IDS.tap, 'secret'));
  });

  it('derives stable message ids under the Service Bus limit', () => {
    expect(requestMessageId(IDS.stageInstance, 1)).toBe(IDS.stageInstance);
    expect(requestMessageId(IDS.stageInstance, 3)).toBe(requestRetryMessageId(IDS.stageInstance, 3));
    expect(requestRetryMessageId(IDS.stageInstance, 2)).not.toBe(requestRetryMessageId(IDS.stageInstance, 3));
    expect(deliveryMessageId(IDS.request, IDS.tap)).toBe(`delivery:${IDS.request}:${IDS.tap}`);
    expect(deliveryMessageId(IDS.request, IDS.tap)).not.toBe(deliveryMessageId(IDS.request, IDS.assignment));
    expect(denialMessageId(IDS.request)).toBe(`denial:${IDS.request}`);
    for (const id of [requestRetryMessageId(IDS.stageInstance, 1000), deliveryMessageId(IDS.request, IDS.tap)]) expect(id.length).toBeLessThanOrEqual(128);
  });
});

describe('DeliveryContacts', () => {
  it('round-trips the plaintext that gets sealed', () => {
    const contacts = { mobilePhones: ['+1 5555551234', '+44 20 7946 0958'], emails: ['bob@contoso.com'], displayName: 'Bob' };
    expect(decodeDeliveryContacts(encodeDeliveryContacts(contacts))).toEqual({ ok: true, contacts });
  });

  it('rejects malformed contacts without echoing them', () => {
    const result = decodeDeliveryContacts(JSON.stringify({ mobilePhones: ['5555551234'], emails: [] }));
    expect(result).toEqual({ ok: false, error: { field: 'mobilePhones.0', message: 'must be a phone number in Graph format' } });
    expect(() => encodeDeliveryContacts({ mobilePhones: [], emails: ['not an email'] })).toThrow(/^refusing to seal invalid contacts: emails\.0 must be an email address$/);
    expect(decodeDeliveryContacts('{')).toEqual({ ok: false, error: { field: '(body)', message: 'is not valid JSON' } });
  });

  it('normalises Graph phone numbers to E.164 and refuses extensions', () => {
    expect(toE164('+1 5555551234')).toBe('+15555551234');
    expect(toE164('+44 (20) 7946-0958')).toBe('+442079460958');
    expect(toE164('+1 5555551234x123')).toBeUndefined();
    expect(toE164('5555551234')).toBeUndefined();
    expect(toE164('+1 23')).toBeUndefined();
  });
});
