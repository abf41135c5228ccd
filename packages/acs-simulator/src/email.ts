import { createHash, randomUUID } from 'node:crypto';
import { AcsHttpError } from './acs-error.js';
import { domainOf, isEmailAddress } from './email-address.js';
import { operationStatus, type EmailOperation, type EmailSendResult } from './email-operation.js';
import { isRecord, optionalStringField, parseJsonBody, requiredStringField } from './json-body.js';
import { retryAfterSeconds, type SimulatorState } from './state.js';

/** 2023-03-31 (GA) and 2025-09-01 (what `@azure/communication-email` 1.1.0 sends). */
export const EMAIL_API_VERSIONS: ReadonlySet<string> = new Set(['2023-03-31', '2025-09-01']);
export const EMAIL_SEND_PATH = '/emails:send';
export const EMAIL_OPERATION_PATH = /^\/emails\/operations\/([^/]+)$/;

const MAX_RECIPIENTS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type RecipientType = 'to' | 'cc' | 'bcc';

interface EmailMessage {
  senderAddress: string;
  subject: string;
  plainText?: string;
  html?: string;
  recipients: { address: string; type: RecipientType }[];
}

export interface EmailReply {
  status: number;
  headers: Record<string, string>;
  body: EmailSendResult;
}

function parseAddressList(recipients: Record<string, unknown>, type: RecipientType): { address: string; type: RecipientType }[] {
  const list = recipients[type];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new AcsHttpError(400, 'BadRequest', `'recipients.${type}' must be an array.`);
  return list.map((item: unknown) => {
    if (!isRecord(item)) throw new AcsHttpError(400, 'BadRequest', `Each entry of 'recipients.${type}' must be an object.`);
    return { address: requiredStringField(item, 'address'), type };
  });
}

function parseMessage(rawBody: Buffer): EmailMessage {
  const body = parseJsonBody(rawBody);
  if (!isRecord(body)) throw new AcsHttpError(400, 'BadRequest', 'The request body must be a JSON object.');
  const senderAddress = requiredStringField(body, 'senderAddress');
  const content = body.content;
  if (!isRecord(content)) throw new AcsHttpError(400, 'BadRequest', "'content' is required.");
  const subject = requiredStringField(content, 'subject');
  const plainText = optionalStringField(content, 'plainText');
  const html = optionalStringField(content, 'html');
  if (plainText === undefined && html === undefined) {
    throw new AcsHttpError(400, 'BadRequest', "'content' needs 'plainText' or 'html'.");
  }
  const recipientsField = body.recipients;
  if (!isRecord(recipientsField)) throw new AcsHttpError(400, 'BadRequest', "'recipients' is required.");
  if (!Array.isArray(recipientsField.to)) throw new AcsHttpError(400, 'BadRequest', "'recipients.to' is required.");
  const recipients = [
    ...parseAddressList(recipientsField, 'to'),
    ...parseAddressList(recipientsField, 'cc'),
    ...parseAddressList(recipientsField, 'bcc'),
  ];
  if (recipients.length < 1 || recipients.length > MAX_RECIPIENTS) {
    throw new AcsHttpError(400, 'BadRequest', `An email needs 1 to ${MAX_RECIPIENTS} recipients across to, cc and bcc.`);
  }
  if (body.attachments !== undefined && body.attachments !== null && !Array.isArray(body.attachments)) {
    throw new AcsHttpError(400, 'BadRequest', "'attachments' must be an array.");
  }
  return { senderAddress, subject, plainText, html, recipients };
}

/** The spec sends retry-after only while the operation is not in a terminal status. */
function retryAfterWhileRunning(state: SimulatorState, body: EmailSendResult): Record<string, string> {
  return body.status === 'Running' ? { 'Retry-After': String(state.config.emailRetryAfterSeconds) } : {};
}

function reply(state: SimulatorState, op: EmailOperation, apiVersion: string, host: string, now: number): EmailReply {
  const body = operationStatus(op, now);
  return {
    status: 202,
    headers: {
      // Absolute, as ACS sends it; without it the SDK's poller stops at once on "Running".
      'Operation-Location': `http://${host}/emails/operations/${op.id}?api-version=${apiVersion}`,
      ...retryAfterWhileRunning(state, body),
    },
    body,
  };
}

/**
 * `POST /emails:send`. Best guesses, documented in the README: a repeated `Operation-Id` with the
 * same body returns the existing operation and sends nothing; with a different body it is 409.
 */
export function sendEmail(
  state: SimulatorState,
  request: { body: Buffer; operationId: string | undefined; apiVersion: string; host: string },
  now: number,
): EmailReply {
  if (request.operationId !== undefined && !UUID.test(request.operationId)) {
    throw new AcsHttpError(400, 'BadRequest', "The 'Operation-Id' header must be a UUID.");
  }
  const message = parseMessage(request.body);
  const fingerprint = createHash('sha256').update(request.body).digest('hex');
  const id = (request.operationId ?? randomUUID()).toLowerCase();

  const existing = state.emailOperations.get(id);
  if (existing !== undefined) {
    if (existing.fingerprint !== fingerprint) {
      throw new AcsHttpError(409, 'Conflict', 'An operation with this Operation-Id already exists for a different message.');
    }
    return reply(state, existing, request.apiVersion, request.host, now);
  }

  if (!isEmailAddress(message.senderAddress) || !state.config.emailDomains.has(domainOf(message.senderAddress))) {
    throw new AcsHttpError(404, 'DomainNotLinked', 'The specified sender domain has not been linked.');
  }
  if (message.recipients.some((r) => !isEmailAddress(r.address))) {
    throw new AcsHttpError(400, 'InvalidEmailAddress', 'At least one recipient email address is not valid.');
  }

  const admission = state.emailLimiter.tryTake('resource', 1, now);
  if (!admission.ok) {
    throw new AcsHttpError(429, 'TooManyRequests', 'The email send rate limit was exceeded. Retry after the interval in Retry-After.', {
      'Retry-After': retryAfterSeconds(admission.retryAfterMs),
    });
  }

  let lastFault: { errorCode?: string; errorMessage?: string } | undefined;
  const delivered = message.recipients.filter((r) => {
    const fault = state.faults.takeRecipientFault('POST', EMAIL_SEND_PATH, r.address);
    if (fault !== undefined) lastFault = fault;
    return fault === undefined;
  });
  const op: EmailOperation = {
    id,
    fingerprint,
    completesAt: now + state.config.emailCompletionMs,
    outcome:
      delivered.length > 0
        ? { status: 'Succeeded' }
        : {
            status: 'Failed',
            error: {
              code: lastFault?.errorCode ?? 'EmailDroppedAllRecipientsSuppressed',
              message: lastFault?.errorMessage ?? 'Email was dropped because all recipients were suppressed.',
            },
          },
  };
  state.emailOperations.set(id, op);
  for (const r of delivered) {
    state.outbox.add(
      {
        channel: 'email',
        to: r.address,
        recipientType: r.type,
        from: message.senderAddress,
        subject: message.subject,
        body: message.plainText ?? '',
        html: message.html,
        operationId: id,
        messageId: id,
      },
      now,
    );
  }
  return reply(state, op, request.apiVersion, request.host, now);
}

/** `GET /emails/operations/{id}`. */
export function emailStatus(state: SimulatorState, operationId: string, now: number): { headers: Record<string, string>; body: EmailSendResult } {
  const op = state.emailOperations.get(operationId.toLowerCase());
  if (op === undefined) throw new AcsHttpError(404, 'NotFound', 'No email operation with this id exists.');
  const body = operationStatus(op, now);
  return { headers: retryAfterWhileRunning(state, body), body };
}
