// AES-256-GCM with a random 96-bit IV per seal and a key id for rotation: the active key seals,
// every key in the ring opens.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SealedBox } from '@tapline/domain';
import { SealedBoxTamperedError, SealingKeyUnavailableError } from './errors.js';

export interface KeyRingConfig {
  readonly activeKid: string;
  /** kid -> 32-byte key, base64 (or already decoded). */
  readonly keys: Readonly<Record<string, string | Buffer>>;
}

export interface KeyRing {
  readonly activeKid: string;
  readonly kids: readonly string[];
  seal(plaintext: string, aad: string): SealedBox;
  /** Throws SealingKeyUnavailableError or SealedBoxTamperedError. */
  open(box: SealedBox, aad: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function decodeKey(kid: string, key: string | Buffer): Buffer {
  const bytes = typeof key === 'string' ? Buffer.from(key, 'base64') : Buffer.from(key);
  if (bytes.length !== KEY_BYTES) {
    // The length only: never echo key material.
    throw new Error(`sealing key ${JSON.stringify(kid)} must be ${KEY_BYTES} bytes, got ${bytes.length}`);
  }
  return bytes;
}

export function createKeyRing(config: KeyRingConfig): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const [kid, key] of Object.entries(config.keys)) {
    if (!/^[\w.-]{1,64}$/.test(kid)) throw new Error(`invalid sealing key id ${JSON.stringify(kid)}`);
    keys.set(kid, decodeKey(kid, key));
  }
  const active = keys.get(config.activeKid);
  if (!active) throw new SealingKeyUnavailableError(config.activeKid);

  return {
    activeKid: config.activeKid,
    kids: [...keys.keys()],
    seal(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return {
        alg: 'A256GCM',
        kid: config.activeKid,
        iv: iv.toString('base64url'),
        ciphertext: ct.toString('base64url'),
        tag: cipher.getAuthTag().toString('base64url'),
      };
    },
    open(box, aad) {
      const key = keys.get(box.kid);
      if (!key) throw new SealingKeyUnavailableError(box.kid);
      const iv = Buffer.from(box.iv, 'base64url');
      const tag = Buffer.from(box.tag, 'base64url');
      if (box.alg !== 'A256GCM' || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
        throw new SealedBoxTamperedError(box.kid);
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(aad, 'utf8'));
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SealedBoxTamperedError(box.kid);
      }
    },
  };
}
