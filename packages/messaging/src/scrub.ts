// Free text leaving this package (stored, or put in a message) goes through the domain's secret
// scrubber, which redacts by value shape, and is capped in length.

import { scrubSecrets } from '@tapline/domain';

export const MAX_FREE_TEXT = 1024;

export function scrubText(text: string, max = MAX_FREE_TEXT): string {
  const out = scrubSecrets(text);
  return out.length > max ? `${out.slice(0, max - 1)}…` : out;
}
