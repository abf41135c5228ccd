// The TAPs a run issued, as the only place allowed to hold them shows them: the ACS outbox (the
// simulated phones and inboxes). Everything else is scanned for them.
import { createHash } from 'node:crypto';
import type { OutboxEntry } from './simulators.js';

/** The tenant simulator's TAP alphabet (its README): no I, O, l, o, 0, 1; symbols `!#$%&*+=?@`. */
const TAP_SHAPE = /^[A-HJ-NP-Za-km-np-z2-9!#$%&*+=?@]{8,48}$/;
/** "Your Temporary Access Pass is <tap> (valid ..." (SMS) and "Temporary Access Pass: <tap>" (email). */
const TAP_IN_TEXT = /Temporary Access Pass(?: is|:) (\S+)/;

export interface SentTap {
  readonly secret: string;
  readonly sha256: string;
  readonly entry: OutboxEntry;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The TAP a message to a user carries, or undefined for messages without one (confirmations, notices). */
export function tapIn(entry: OutboxEntry): string | undefined {
  const found = TAP_IN_TEXT.exec(entry.body)?.[1];
  return found !== undefined && TAP_SHAPE.test(found) ? found : undefined;
}

export function sentTaps(outbox: readonly OutboxEntry[]): SentTap[] {
  return outbox.flatMap((entry) => {
    const secret = tapIn(entry);
    return secret === undefined ? [] : [{ secret, sha256: sha256Hex(secret), entry }];
  });
}
