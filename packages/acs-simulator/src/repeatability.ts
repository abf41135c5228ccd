/**
 * SMS repeatability, per recipient, following the OASIS Repeatable Requests semantics ACS
 * documents (learn.microsoft.com/rest/api/communication/repeatable-requests):
 *
 * - a new id within the tracking window is executed and remembered (`repeatabilityResult: accepted`);
 * - the same id again, for the same request, is NOT executed again: the remembered result is
 *   returned (`accepted`, same messageId) — 2xx and 4xx outcomes are remembered, 5xx are not;
 * - the same id for a different request (other from/to/message) is `rejected` with 400;
 * - a `repeatabilityFirstSent` older than the window is `rejected` with 412 ("potentially unsafe to
 *   re-execute"); a missing or malformed id or date is `rejected` with 400.
 *
 * ACS documents a 5 minute tracking window for its repeatable requests; the SMS pages do not name
 * one, so the same 5 minutes is the default here (configurable).
 */
export interface SmsRecipientResult {
  to: string;
  messageId?: string;
  httpStatusCode: number;
  repeatabilityResult?: 'accepted' | 'rejected';
  successful: boolean;
  errorMessage?: string;
}

interface Tracked {
  fingerprint: string;
  expiresAt: number;
  result: SmsRecipientResult;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** IMF-fixdate, as `Date.prototype.toUTCString()` writes it: `Wed, 25 Nov 2026 00:12:30 GMT`. */
const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export const INVALID_FIRST_SENT =
  'Request sent with Invalid DateTime value for repeatability-first-sent. Expected is DateTime ,RFC1123 pattern.';

export type RepeatabilityCheck =
  | { kind: 'none' }
  | { kind: 'new'; id: string }
  | { kind: 'replay'; result: SmsRecipientResult }
  | { kind: 'rejected'; httpStatusCode: number; errorMessage: string };

export class SmsRepeatabilityStore {
  private tracked = new Map<string, Tracked>();

  constructor(private readonly windowMs: number) {}

  check(id: string | undefined, firstSent: string | undefined, fingerprint: string, now: number): RepeatabilityCheck {
    if (id === undefined && firstSent === undefined) return { kind: 'none' };
    if (id === undefined || !UUID.test(id)) {
      return { kind: 'rejected', httpStatusCode: 400, errorMessage: 'Invalid repeatability-request-id value; it must be a UUID.' };
    }
    const sentAt = firstSent !== undefined && IMF_FIXDATE.test(firstSent) ? Date.parse(firstSent) : Number.NaN;
    if (Number.isNaN(sentAt)) {
      return { kind: 'rejected', httpStatusCode: 400, errorMessage: INVALID_FIRST_SENT };
    }
    if (sentAt < now - this.windowMs) {
      return {
        kind: 'rejected',
        httpStatusCode: 412,
        errorMessage: `Repeatability-First-Sent is outside the ${this.windowMs / 1000} second tracking window; the request is not safe to execute again.`,
      };
    }
    this.prune(now);
    const known = this.tracked.get(id.toLowerCase());
    if (known === undefined) return { kind: 'new', id };
    if (known.fingerprint !== fingerprint) {
      return { kind: 'rejected', httpStatusCode: 400, errorMessage: 'Repeatability-Request-Id was already used for a different request.' };
    }
    return { kind: 'replay', result: known.result };
  }

  remember(id: string, fingerprint: string, result: SmsRecipientResult, now: number): void {
    // A 5xx outcome may be retried for real, so it is not replayed (OASIS; ACS's table says the same).
    if (result.httpStatusCode >= 500) return;
    this.tracked.set(id.toLowerCase(), { fingerprint, expiresAt: now + this.windowMs, result });
  }

  clear(): void {
    this.tracked.clear();
  }

  private prune(now: number): void {
    for (const [id, t] of this.tracked) if (t.expiresAt <= now) this.tracked.delete(id);
  }
}
