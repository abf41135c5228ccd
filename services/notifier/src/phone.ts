// Directory phone numbers to E.164 for ACS. Graph stores `+{cc} {number}[x{ext}]`
// (platform facts section 5); an SMS cannot reach an extension, so it is dropped.
import { parsePhoneNumberFromString } from 'libphonenumber-js';

export type PhoneNormalisation =
  | { readonly ok: true; readonly e164: string }
  | { readonly ok: false; readonly problem: 'unparseable' | 'impossible' };

/**
 * Normalises one directory number. Only international numbers are accepted (Graph requires the
 * `+cc` prefix, and guessing a country would route a TAP to the wrong place). The check is
 * `isPossible` (length per country), not `isValid`: the validity metadata rejects reserved test
 * ranges such as +1 555 and lags real allocations, and ACS answers an unreachable number with
 * a per-recipient 400, which falls back to the next channel anyway.
 */
export function toE164(raw: string): PhoneNormalisation {
  const trimmed = raw.trim();
  if (!trimmed.startsWith('+')) return { ok: false, problem: 'unparseable' };
  const parsed = parsePhoneNumberFromString(trimmed);
  if (!parsed) return { ok: false, problem: 'unparseable' };
  if (!parsed.isPossible()) return { ok: false, problem: 'impossible' };
  return { ok: true, e164: parsed.number };
}
