import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
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

  /**
   * With a file, keys survive restarts: services keep tokens cached for hours (MSAL caches
   * managed-identity tokens for their lifetime), and those must stay valid across a restart.
   */
  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { activeIndex: number; keys: string[] };
      this.published = saved.keys.map((pem) => keyFrom(createPrivateKey(pem)));
      this.activeIndex = Math.min(saved.activeIndex, this.published.length - 1);
      if (this.published.length === 0) throw new Error(`no keys in ${file}`);
    } else {
      this.published = [newKey(), newKey()];
      this.save();
    }
  }

  private save(): void {
    if (!this.file) return;
    const keys = this.published.map((k) => k.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    writeFileSync(this.file, JSON.stringify({ activeIndex: this.activeIndex, keys }), { mode: 0o600 });
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
    this.save();
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
  return keyFrom(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
}

function keyFrom(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  // Entra's kids are certificate thumbprints (base64url SHA-1); a key thumbprint looks the same.
  const kid = createHash('sha1').update(publicKey.export({ format: 'der', type: 'spki' })).digest('base64url');
  return { kid, privateKey, publicKey };
}
