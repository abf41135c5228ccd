import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SealedBoxTamperedError, SealingKeyUnavailableError, contactsAad, createKeyRing, secretAad,
} from '@tapline/sealing';
import type { SealedBox } from '@tapline/sealing';

const key = (): string => randomBytes(32).toString('base64');
const requestId = '6f1b2c3d-0000-4000-8000-000000000001';
const tapId = '9a8b7c6d-0000-4000-8000-000000000002';
const tap = 'Xk7#pQ2!mZ9w$Lr4';

function flip(b64url: string): string {
  const bytes = Buffer.from(b64url, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

describe('key ring', () => {
  const ring = createKeyRing({ activeKid: 'k1', keys: { k1: key() } });

  it('opens what it sealed under the same AAD', () => {
    const box = ring.seal(tap, secretAad(requestId, tapId));
    expect(box.kid).toBe('k1');
    expect(box.alg).toBe('A256GCM');
    expect(ring.open(box, secretAad(requestId, tapId))).toBe(tap);
  });

  it('uses a fresh 96-bit IV per seal', () => {
    const a = ring.seal(tap, 'aad');
    const b = ring.seal(tap, 'aad');
    expect(Buffer.from(a.iv, 'base64url')).toHaveLength(12);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('refuses to open under another request, another TAP, or the contacts purpose', () => {
    const box = ring.seal(tap, secretAad(requestId, tapId));
    expect(() => ring.open(box, secretAad(requestId.replace('1', '2'), tapId))).toThrow(SealedBoxTamperedError);
    expect(() => ring.open(box, secretAad(requestId, tapId.replace('2', '3')))).toThrow(SealedBoxTamperedError);
    expect(() => ring.open(box, contactsAad(requestId, tapId))).toThrow(SealedBoxTamperedError);
  });

  it('detects tampering with ciphertext, tag or iv, as a PermanentError SealedDataInvalid', () => {
    const box = ring.seal(tap, 'aad');
    for (const tampered of [
      { ...box, ciphertext: flip(box.ciphertext) },
      { ...box, tag: flip(box.tag) },
      { ...box, iv: flip(box.iv) },
      { ...box, iv: box.iv.slice(2) },
    ] satisfies SealedBox[]) {
      const err = (() => { try { ring.open(tampered, 'aad'); } catch (e) { return e; } return undefined; })();
      expect(err).toBeInstanceOf(SealedBoxTamperedError);
      expect(err).toMatchObject({ name: 'PermanentError', reason: 'SealedDataInvalid' });
    }
  });

  it('never contains the plaintext in the box', () => {
    const box = ring.seal(tap, 'aad');
    const wire = JSON.stringify(box);
    expect(wire).not.toContain(tap);
    expect(wire).not.toContain(Buffer.from(tap).toString('base64'));
    expect(wire).not.toContain(Buffer.from(tap).toString('base64url'));
    expect(wire).not.toContain(Buffer.from(tap).toString('hex'));
  });

  it('rotates: the active key seals, the old key still opens', () => {
    const k1 = key();
    const old = createKeyRing({ activeKid: 'k1', keys: { k1 } });
    const oldBox = old.seal(tap, 'aad');
    const rotated = createKeyRing({ activeKid: 'k2', keys: { k1, k2: key() } });
    expect(rotated.open(oldBox, 'aad')).toBe(tap);
    const newBox = rotated.seal(tap, 'aad');
    expect(newBox.kid).toBe('k2');
    expect(() => old.open(newBox, 'aad')).toThrow(SealingKeyUnavailableError);
  });

  it('an unknown kid is a PermanentError SealingKeyUnavailable', () => {
    const box = ring.seal(tap, 'aad');
    const err = (() => { try { ring.open({ ...box, kid: 'gone' }, 'aad'); } catch (e) { return e; } return undefined; })();
    expect(err).toBeInstanceOf(SealingKeyUnavailableError);
    expect(err).toMatchObject({ name: 'PermanentError', reason: 'SealingKeyUnavailable' });
  });

  it('refuses keys that are not 32 bytes and an active kid it does not hold, without echoing key material', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => createKeyRing({ activeKid: 'k1', keys: { k1: short } })).toThrow(/must be 32 bytes, got 16/);
    try { createKeyRing({ activeKid: 'k1', keys: { k1: short } }); } catch (e) { expect(String(e)).not.toContain(short); }
    expect(() => createKeyRing({ activeKid: 'k9', keys: { k1: key() } })).toThrow(SealingKeyUnavailableError);
  });
});
