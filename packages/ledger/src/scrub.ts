// Free text that reaches the ledger (lastError, notes, reasons, audit detail) is the only place a
// secret could slip in, since no record type has a field for a TAP, a phone number or an email.

import { scrubSecrets } from '@tapline/domain';

export const MAX_FREE_TEXT = 1024;

export function scrubText(text: string, max = MAX_FREE_TEXT): string {
  const out = scrubSecrets(text);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
