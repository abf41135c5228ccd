import { z } from 'zod';

/**
 * A field sealed with AES-256-GCM (DESIGN section 6). The sealing itself (node:crypto, Key Vault)
 * lives in an adapter; this module fixes the wire shape and the additional authenticated data so
 * that sealer and opener agree. All binary values are base64url without padding.
 */
export interface SealedBox {
  readonly alg: 'A256GCM';
  /** Key id, so keys can rotate while messages are in flight. */
  readonly kid: string;
  /** 96-bit nonce: 16 base64url characters. */
  readonly iv: string;
  readonly ciphertext: string;
  /** 128-bit GCM tag: 22 base64url characters. */
  readonly tag: string;
}

const base64url = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, { error: 'must be base64url without padding' });

export const SEALED_CIPHERTEXT_MAX = 64 * 1024;

export const sealedBoxSchema = z.object({
  alg: z.literal('A256GCM'),
  kid: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, { error: 'must be a key id (1-128 of A-Z a-z 0-9 . _ : -)' }),
  iv: base64url(16, 16),
  ciphertext: base64url(1, SEALED_CIPHERTEXT_MAX),
  tag: base64url(22, 22),
});

export type SealedField = 'secret' | 'contacts';

/**
 * AAD binding a sealed field to its request, its TAP and its role: a box cannot be moved to another
 * message, another TAP, or swapped between the secret and contacts fields without failing to open.
 * Denials carry no TAP: pass null.
 */
export function sealingAad(requestId: string, tapId: string | null, field: SealedField): string {
  return `tapline/sealed/v1/${field}/${requestId.toLowerCase()}/${tapId === null ? '-' : tapId.toLowerCase()}`;
}
