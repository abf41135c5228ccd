import { z } from 'zod';
import { type FieldError, PARSE_OPTIONS, WHOLE_BODY, firstFieldError } from './field-error.js';

/**
 * Where a TAP or a notice may be sent: read from the directory only (never from the request), then
 * sealed into the delivery message. Phones are kept as Graph stores them (`+1 5555551234`,
 * `+44 20 7946 0958x12`); `toE164` turns one into what ACS accepts.
 */
export interface DeliveryContacts {
  readonly mobilePhones: readonly string[];
  readonly emails: readonly string[];
  readonly displayName?: string;
}

const GRAPH_PHONE = /^\+[0-9][0-9 ().-]{5,30}[0-9](?: ?x[0-9]{1,10})?$/;

export const deliveryContactsSchema = z.object({
  mobilePhones: z.array(z.string().max(40).regex(GRAPH_PHONE, { error: 'must be a phone number in Graph format' })).max(10),
  emails: z.array(z.string().max(320).regex(/^[^\s@]{1,64}@[^\s@]{1,255}$/, { error: 'must be an email address' })).max(10),
  displayName: z.string().max(256).optional(),
});

export function encodeDeliveryContacts(contacts: DeliveryContacts): string {
  const parsed = deliveryContactsSchema.safeParse(contacts, PARSE_OPTIONS);
  if (!parsed.success) {
    const { field, message } = firstFieldError(parsed.error);
    throw new TypeError(`refusing to seal invalid contacts: ${field} ${message}`);
  }
  return JSON.stringify(parsed.data);
}

/** For the opened (decrypted) contacts plaintext. */
export function decodeDeliveryContacts(plaintext: string): { ok: true; contacts: DeliveryContacts } | { ok: false; error: FieldError } {
  let value: unknown;
  try {
    value = JSON.parse(plaintext);
  } catch {
    return { ok: false, error: { field: WHOLE_BODY, message: 'is not valid JSON' } };
  }
  const parsed = deliveryContactsSchema.safeParse(value, PARSE_OPTIONS);
  if (!parsed.success) return { ok: false, error: firstFieldError(parsed.error) };
  return { ok: true, contacts: parsed.data };
}

/**
 * E.164 (`+15555551234`) from a Graph phone number, or undefined when it cannot receive an SMS
 * through ACS (an extension means a switchboard, not a mobile) or is not 8-15 digits with the `+`.
 */
export function toE164(graphPhone: string): string | undefined {
  if (!GRAPH_PHONE.test(graphPhone) || /x/i.test(graphPhone)) return undefined;
  const digits = graphPhone.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15 || digits.startsWith('0')) return undefined;
  return `+${digits}`;
}
