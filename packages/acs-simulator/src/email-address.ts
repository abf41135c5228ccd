/**
 * A deliberately plain syntax check for email addresses (local part, one @, a dotted domain of
 * DNS labels). It catches what a directory typo or a phone number in an email field looks like;
 * it is not RFC 5322.
 */
const ADDRESS = /^[^\s@<>()[\]\\,;:"]{1,64}@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;

export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

/** The domain part, lower-cased, of an address that passed `isEmailAddress`. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
