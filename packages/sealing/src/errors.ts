// Sealing failures. Both are permanent for the message that carries the box: retrying cannot
// make a missing key appear or a tampered box authentic.

import { PermanentError } from '@tapline/domain';

/** The box names a key id this process does not hold (rotated out, or misconfigured). */
export class SealingKeyUnavailableError extends PermanentError {
  constructor(readonly kid: string) {
    super('SealingKeyUnavailable', `sealing key ${JSON.stringify(kid)} is not available`);
  }
}

/** Authentication failed: wrong AAD, wrong key material, or a modified box. */
export class SealedBoxTamperedError extends PermanentError {
  constructor(kid: string) {
    super('SealedDataInvalid', `sealed box (kid ${JSON.stringify(kid)}) failed authentication`);
  }
}
