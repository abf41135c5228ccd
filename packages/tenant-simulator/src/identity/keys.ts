import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * RS256 keys, generated at start. One key signs; the next key is already published (Entra
 * publishes keys before it signs with them), and `rotate()` promotes it. Retired keys stay
 * published for one more rotation so tokens in flight still verify.
 */
export class KeyRing {
  private published: SigningKey[];
  private activeIndex = 0;

  constructor() {
    this.published = [newKey(), newKey()];
  }

  active(): SigningKey {
    return this.published[this.activeIndex]!;
  }

  find(kid: string): SigningKey | undefined {
    return this.published.find((k) => k.kid === kid);
  }

  /** Promote the next key, publish a new next one, drop keys older than the previous one. */
  rotate(): { activeKid: string; publishedKids: string[] } {
    this.activeIndex += 1;
    this.published.push(newKey());
    const keepFrom = Math.max(0, this.activeIndex - 1);
    this.published = this.published.slice(keepFrom);
    this.activeIndex -= keepFrom;
    return { activeKid: this.active().kid, publishedKids: this.published.map((k) => k.kid) };
  }

  /** JWKS document; v2 documents carry the issuer per key as Entra's do. */
  jwks(issuer?: string): { keys: JWK[] } {
    return {
      keys: this.published.map((k) => ({
        ...(k.publicKey.export({ format: 'jwk' }) as JWK),
        kid: k.kid,
        x5t: k.kid,
        use: 'sig',
        ...(issuer ? { issuer } : {}),
      })),
    };
  }
}

/** A key that the JWKS never publishes: tokens signed with it must fail signature checks. */
export function foreignKey(): SigningKey {
  return newKey();
}

function newKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Entra's kids are certificate thumbprints (base64url SHA-1); a key thumbprint looks the same.
  const kid = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
  return { kid, privateKey, publicKey };
}
