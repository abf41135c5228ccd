// Masked contacts for the manager's confirmation and for logs: enough to recognise the
// contact ("the number ending 42"), never enough to use it.

/** The last two digits of a phone number, or null when there are fewer than four digits. */
export function phoneEnding(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(-2) : null;
}

/** `b***@example.com`: the first character of the local part and the domain. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${address[0]}***@${address.slice(at + 1)}`;
}
