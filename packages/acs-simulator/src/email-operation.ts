/**
 * An accepted email send, as `GET /emails/operations/{id}` reports it: `Running` until
 * `completesAt`, then its outcome. Statuses are those of the 2023-03-31 and 2025-09-01 specs.
 */
export type EmailOutcome =
  | { status: 'Succeeded' }
  | { status: 'Failed'; error: { code: string; message: string } };

export interface EmailOperation {
  id: string;
  /** SHA-256 of the request body, to tell a repeat of the same send from a different one. */
  fingerprint: string;
  completesAt: number;
  outcome: EmailOutcome;
}

export interface EmailSendResult {
  id: string;
  status: 'Running' | 'Succeeded' | 'Failed';
  error?: { code: string; message: string };
}

export function operationStatus(op: EmailOperation, now: number): EmailSendResult {
  if (now < op.completesAt) return { id: op.id, status: 'Running' };
  return op.outcome.status === 'Failed'
    ? { id: op.id, status: 'Failed', error: op.outcome.error }
    : { id: op.id, status: 'Succeeded' };
}
