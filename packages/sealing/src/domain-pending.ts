// Stand-in for @tapline/domain names whose module exists but is not exported from the domain's
// index yet (packages/domain/src/sealed-box.ts, errors.ts). Same names and signatures, so the
// switch is an import change; removed as soon as the domain index exports them.

export interface SealedBox {
  readonly alg: 'A256GCM';
  readonly kid: string;
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export type SealedField = 'secret' | 'contacts';

export function sealingAad(requestId: string, tapId: string | null, field: SealedField): string {
  return `tapline/sealed/v1/${field}/${requestId.toLowerCase()}/${tapId === null ? '-' : tapId.toLowerCase()}`;
}

export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  constructor(readonly reason: 'SealingKeyUnavailable' | 'SealedDataInvalid', message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
