/**
 * E.164 as ACS checks it for SMS: a plus sign, no spaces or punctuation, 7 to 15 digits, no leading
 * zero in the country code. North American numbers (+1) must have exactly 10 more digits: the
 * REST example answers `+112345678901` with "Invalid To phone number format.". Graph's own format
 * (`+1 5555551234`, extensions) is therefore rejected, as ACS would.
 */
const E164 = /^\+[1-9]\d{6,14}$/;
const NANP = /^\+1\d{10}$/;

export function isE164(value: string): boolean {
  if (!E164.test(value)) return false;
  return value.startsWith('+1') ? NANP.test(value) : true;
}
