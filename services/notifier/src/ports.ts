// The notifier's ports, named for intent (STYLE practice 2). Adapters: acs-sms.ts, acs-email.ts,
// entra-callback.ts, ledger-port.ts; fakes for tests live in test/fakes.ts.
import type { Ledger } from '@tapline/ledger';
import type { KeyRing } from '@tapline/sealing';
import type { EmailContent } from './templates.js';

/** What a provider did with one recipient of one send. */
export type RecipientOutcome =
  | { readonly status: 'accepted'; readonly providerMessageId: string }
  /** Permanent for this recipient (invalid number, suppressed address): try the next contact. */
  | { readonly status: 'rejected'; readonly code: string }
  /**
   * The provider refused the request as a whole (bad key, unowned sender number, unlinked
   * domain): no contact on this channel can succeed, try the next channel.
   */
  | { readonly status: 'refused'; readonly code: string };

export interface SmsMessage {
  /** E.164. */
  readonly to: string;
  readonly text: string;
  readonly repeatabilityRequestId: string;
  /** IMF-fixdate. */
  readonly repeatabilityFirstSent: string;
}

/** Throws RetryableError (429 with retryAfterMs, 408, 5xx, network); anything else it throws is a bug. */
export interface SmsSender {
  send(message: SmsMessage): Promise<RecipientOutcome>;
}

export interface EmailMessage {
  readonly to: string;
  readonly content: EmailContent;
  /** Sent as `Operation-Id`; the same id for every attempt of the same message. */
  readonly operationId: string;
  /**
   * Poll the operation to its final status (default). A TAP email needs it, to fall back when
   * ACS drops the recipient; a manager notice does not: ACS accepting the operation is enough,
   * and polling would hold a handler slot for a poll interval after the TAP is already out.
   */
  readonly awaitFinalStatus?: boolean;
}

export interface EmailSender {
  send(message: EmailMessage): Promise<RecipientOutcome>;
}

/** Entra's `resume` for a request whose custom extension waits (platform facts 3). */
export interface ResumeCall {
  /** The callback path from the call-out, e.g. `/identityGovernance/entitlementManagement/assignmentRequests/{id}/resume`. */
  readonly callbackPath: string;
  readonly stage: string;
  readonly stageInstanceId: string;
  /** Shown to approvers in the request's history: short, secret-free, nothing protected. */
  readonly detail: string;
  /** Only for a denial; some stages refuse it with 400 (the docs conflict on which). */
  readonly state?: 'denied';
}

/** 2xx, or the 4xx Graph answered (a 400 for a stage that may not be denied, or a request no longer waiting). */
export type ResumeResult = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly code: string };

/** Throws RetryableError for 429, 5xx and network failures. */
export interface EntraCallback {
  resume(call: ResumeCall): Promise<ResumeResult>;
}


/** The requesting manager's address for the delivery confirmation (DeliveryContacts carry only the target's). */
export interface ManagerDirectory {
  emailOf(userId: string): Promise<string | undefined>;
}

/** The ledger operations the notifier uses. */
export type NotifierLedger = Pick<Ledger, 'getRequest' | 'getTarget' | 'transition' | 'appendAudit' | 'listAudit'>;

/** The sealing operation the notifier uses: open a box bound to its AAD. */
export type Opener = Pick<KeyRing, 'open'>;
