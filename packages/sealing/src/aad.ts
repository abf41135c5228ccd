// Additional authenticated data by purpose. A sealed value only opens under the purpose and ids
// it was sealed for, so a contacts box cannot be replayed as a secret or moved to another request.
// The AAD itself is the domain's (sealer and opener must agree byte for byte).

import { sealingAad } from '@tapline/domain';

export { sealingAad };

/** AAD for the sealed TAP secret of a delivery. */
export function secretAad(requestId: string, tapId: string): string {
  return sealingAad(requestId, tapId, 'secret');
}

/** AAD for the sealed contact details (phone, email) of a delivery. */
export function contactsAad(requestId: string, tapId: string | null): string {
  return sealingAad(requestId, tapId, 'contacts');
}
