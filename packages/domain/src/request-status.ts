/**
 * The status of one access-package request in the ledger (DESIGN section 7), and the only moves
 * between statuses. The ledger writes a status change only through `assertTransition`, so a bug that
 * would, say, deliver a denied request fails loudly instead of corrupting the audit trail.
 */
export const REQUEST_STATUSES = [
  'received',
  'denied',
  'issuing',
  'issued',
  'delivered',
  'superseded',
  'failed',
  'dead-lettered',
] as const;
export type RequestStatus = (typeof REQUEST_STATUSES)[number];

/*
 * Meaning of each status:
 * - received: the worker has the request and is gathering directory facts.
 * - denied: eligibility refused it (a decision, reported with reason codes). Terminal.
 * - issuing: eligible; the worker holds the target's lease and is creating the TAP.
 * - issued: a TAP exists, its id is the target's current TAP, the delivery is (being) published.
 * - delivered: the notifier sent that TAP to the target. Terminal.
 * - superseded: the notifier found the target's current TAP is another one; nothing sent. Terminal.
 * - failed: a permanent error (target not found, Graph 403, TAP policy rejected, no contact); the
 *   message was dead-lettered with that reason. At rest until an operator replays it.
 * - dead-lettered: no decision could be reached (retries exhausted, broker max delivery count, the
 *   TAP expired before delivery). At rest until an operator replays or re-issues it.
 */

export interface Transition {
  readonly from: RequestStatus;
  readonly to: RequestStatus;
  readonly why: string;
}

export const REQUEST_STATUS_TRANSITIONS: readonly Transition[] = [
  { from: 'received', to: 'received', why: 'A retryable failure while reading the directory; the delayed retry arrives with the request still undecided.' },
  { from: 'received', to: 'denied', why: 'Eligibility refused the request.' },
  { from: 'received', to: 'issuing', why: 'Eligible; the worker took the per-target lease.' },
  { from: 'received', to: 'failed', why: 'A permanent error before any TAP exists (target or requestor not found, Graph 403).' },
  { from: 'received', to: 'dead-lettered', why: 'Retries exhausted, or the broker gave up (max delivery count), before a decision.' },

  { from: 'issuing', to: 'issuing', why: 'A retryable failure creating the TAP; a delayed retry will try again.' },
  { from: 'issuing', to: 'issued', why: 'Graph created the TAP and its id is now the target\'s current TAP.' },
  { from: 'issuing', to: 'denied', why: 'A check that is only race-free under the lease (target cooldown) refused it.' },
  { from: 'issuing', to: 'failed', why: 'A permanent error creating the TAP (policy rejected it, no deliverable contact, Graph 403).' },
  { from: 'issuing', to: 'dead-lettered', why: 'Retries exhausted, or the broker gave up, while issuing.' },

  { from: 'issued', to: 'delivered', why: 'The notifier sent the current TAP.' },
  { from: 'issued', to: 'superseded', why: 'The notifier found a newer TAP for the target; this one is no longer valid, so nothing is sent.' },
  { from: 'issued', to: 'issuing', why: 'Re-issue after a crash: the worker cannot prove the delivery was published, so it issues again (the new TAP replaces the old).' },
  { from: 'issued', to: 'failed', why: 'The notifier hit a permanent error (sealing key unavailable, sealed data invalid, no deliverable contact).' },
  { from: 'issued', to: 'dead-lettered', why: 'The TAP expired before delivery (TapExpired), or the notifier exhausted its retries.' },

  { from: 'failed', to: 'received', why: 'Operator replay of the request after fixing the cause.' },
  { from: 'failed', to: 'issuing', why: 'Operator replay of a request that had already passed eligibility.' },
  { from: 'failed', to: 'issued', why: 'Operator replay of a dead-lettered delivery whose TAP is still current and unexpired.' },

  { from: 'dead-lettered', to: 'received', why: 'Operator replay, or `tapctl dlq reissue` turning an expired delivery into a fresh request.' },
  { from: 'dead-lettered', to: 'issuing', why: 'Operator replay of a request that had already passed eligibility.' },
  { from: 'dead-lettered', to: 'issued', why: 'Operator replay of a dead-lettered delivery whose TAP is still current and unexpired.' },
];

const ALLOWED = new Set(REQUEST_STATUS_TRANSITIONS.map((t) => `${t.from}>${t.to}`));

export function isRequestStatus(value: unknown): value is RequestStatus {
  return typeof value === 'string' && (REQUEST_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: RequestStatus, to: RequestStatus): boolean {
  return ALLOWED.has(`${from}>${to}`);
}

/** Thrown by assertTransition: a bug (or a duplicate the caller should have recognised). */
export class IllegalTransition extends Error {
  override readonly name = 'IllegalTransition';
  readonly from: RequestStatus;
  readonly to: RequestStatus;

  constructor(from: RequestStatus, to: RequestStatus) {
    super(`request status cannot move from ${from} to ${to}`);
    this.from = from;
    this.to = to;
  }
}

export function assertTransition(from: RequestStatus, to: RequestStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransition(from, to);
}

/** No move leaves a terminal status: denied, delivered, superseded. */
export function isTerminal(status: RequestStatus): boolean {
  return !REQUEST_STATUS_TRANSITIONS.some((t) => t.from === status);
}

/** Terminal, or waiting for an operator (failed, dead-lettered): nothing happens by itself. */
export function isAtRest(status: RequestStatus): boolean {
  return isTerminal(status) || status === 'failed' || status === 'dead-lettered';
}
