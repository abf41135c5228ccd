import { scrubAndCap } from './secret-scrubber.js';

/**
 * The closed set of reasons a message may be dead-lettered with (Service Bus `DeadLetterReason`).
 * tapctl filters and dashboards key on these strings, so they are stable identifiers: add new ones,
 * never rename. `setBy: 'broker'` marks reasons Service Bus itself writes, listed so tools know them.
 */
export const DEAD_LETTER_REASONS = {
  InvalidMessage: { setBy: 'app', description: 'The message body failed its contract (malformed JSON or a field error); replaying it unchanged fails again.' },
  UnsupportedSchemaVersion: { setBy: 'app', description: 'The message carries a schemaVersion this build does not understand; replay after deploying a build that does.' },
  TargetNotFound: { setBy: 'app', description: 'The target user does not exist in the directory (deleted, or a wrong id).' },
  RequestorNotFound: { setBy: 'app', description: 'The requesting user does not exist in the directory.' },
  GraphForbidden: { setBy: 'app', description: 'Microsoft Graph answered 403: a missing application permission or directory role; fix the grant, then replay.' },
  TapPolicyRejected: { setBy: 'app', description: 'Graph refused to create the TAP under the tenant policy (disabled, user out of scope, lifetime outside bounds).' },
  NoDeliverableContact: { setBy: 'app', description: 'The recipient has no SMS-capable mobile number and no email address in the directory.' },
  TapExpired: { setBy: 'app', description: 'The TAP expired before it could be delivered; use `tapctl dlq reissue`, never a plain replay.' },
  RetriesExhausted: { setBy: 'app', description: 'Retryable failures (throttling, 5xx, timeouts) outlasted the delayed-retry budget.' },
  SealingKeyUnavailable: { setBy: 'app', description: 'The key id a sealed field names is not available to this process (rotation gap or configuration).' },
  SealedDataInvalid: { setBy: 'app', description: 'A sealed field failed authenticated decryption (tampered, or bound to another request or TAP).' },
  MaxDeliveryCountExceeded: { setBy: 'broker', description: 'Set by Service Bus: the message was abandoned or its lock lost too many times (usually a bug or a crash loop).' },
  TTLExpiredException: { setBy: 'broker', description: 'Set by Service Bus when dead-lettering on expiry is enabled: the message outlived its time to live.' },
} as const satisfies Record<string, { setBy: 'app' | 'broker'; description: string }>;

export type DeadLetterReason = keyof typeof DEAD_LETTER_REASONS;

export const DEAD_LETTER_REASON_NAMES = Object.keys(DEAD_LETTER_REASONS) as DeadLetterReason[];

export function isDeadLetterReason(value: unknown): value is DeadLetterReason {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DEAD_LETTER_REASONS, value);
}

/** Service Bus allows far more, but a description is for a human skimming tapctl output. */
export const DEAD_LETTER_DESCRIPTION_MAX = 1024;

/**
 * A dead-letter description for any thrown value: its class and message, scrubbed of anything
 * secret-shaped, then truncated. Never includes `cause` or the stack (they may quote a response
 * body); those go to the log, which applies the same scrubber.
 */
export function describeForDeadLetter(error: unknown, exact?: Iterable<string>): string {
  return scrubAndCap(rawDescription(error), DEAD_LETTER_DESCRIPTION_MAX, exact === undefined ? {} : { exact });
}

function rawDescription(error: unknown): string {
  if (error instanceof Error) {
    const reason = 'reason' in error && typeof error.reason === 'string' ? `[${error.reason}] ` : '';
    return `${reason}${error.name}: ${error.message}`;
  }
  if (typeof error === 'string') return `thrown string: ${error}`;
  return `thrown ${error === null ? 'null' : typeof error}`;
}
