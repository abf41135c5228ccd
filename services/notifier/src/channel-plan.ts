// Which contacts to try, in which order. Channels follow the configured order (default SMS,
// then email); within a channel, contacts keep the directory's order. A contact that cannot be
// used at all (a number that is not E.164-able) is skipped here; one the provider refuses is
// skipped at send time. The plan holds contacts in the clear: it never leaves this process.
import type { DeliveryContacts } from '@tapline/domain';
import { toE164 } from './phone.js';

export const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface PlannedSend {
  readonly channel: Channel;
  /** E.164 for SMS, the address for email. */
  readonly to: string;
  /** Position in the directory's list for that channel (for logs instead of the contact). */
  readonly index: number;
}

export interface SkippedContact {
  readonly channel: Channel;
  readonly index: number;
  readonly problem: string;
}

export interface SendPlan {
  readonly sends: readonly PlannedSend[];
  readonly skipped: readonly SkippedContact[];
}

export function planSends(contacts: Pick<DeliveryContacts, 'mobilePhones' | 'emails'>, order: readonly Channel[]): SendPlan {
  const sends: PlannedSend[] = [];
  const skipped: SkippedContact[] = [];
  for (const channel of new Set(order)) {
    const seen = new Set<string>();
    if (channel === 'sms') {
      contacts.mobilePhones.forEach((raw, index) => {
        const phone = toE164(raw);
        if (!phone.ok) skipped.push({ channel, index, problem: phone.problem });
        else if (!seen.has(phone.e164)) {
          seen.add(phone.e164);
          sends.push({ channel, to: phone.e164, index });
        }
      });
    } else {
      contacts.emails.forEach((address, index) => {
        const key = address.trim().toLowerCase();
        if (key === '' || !key.includes('@')) skipped.push({ channel, index, problem: 'malformed' });
        else if (!seen.has(key)) {
          seen.add(key);
          sends.push({ channel, to: address.trim(), index });
        }
      });
    }
  }
  return { sends, skipped };
}
