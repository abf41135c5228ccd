import { randomUUID } from 'node:crypto';
import { AcsHttpError } from './acs-error.js';
import { isRecord, optionalStringField, parseJsonBody, requiredStringField } from './json-body.js';
import { isE164 } from './phone-number.js';
import type { SmsRecipientResult } from './repeatability.js';
import { retryAfterSeconds, type SimulatorState } from './state.js';

/** `@azure/communication-sms` 1.1.0 speaks 2021-03-07. */
export const SMS_API_VERSIONS: ReadonlySet<string> = new Set(['2021-03-07']);
export const SMS_PATH = '/sms';

const MAX_RECIPIENTS = 100;
const MAX_MESSAGE_LENGTH = 2048;

interface SmsRecipientRequest {
  to: string;
  repeatabilityRequestId?: string;
  repeatabilityFirstSent?: string;
}

/** Decided before anything is sent, so a 429 leaves no trace. */
type Plan =
  | { kind: 'reply'; result: SmsRecipientResult }
  | { kind: 'send'; recipient: SmsRecipientRequest; repeatabilityId?: string };

function parseRecipients(value: unknown): SmsRecipientRequest[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_RECIPIENTS) {
    throw new AcsHttpError(400, 'BadRequest', `'smsRecipients' must list 1 to ${MAX_RECIPIENTS} recipients.`);
  }
  return value.map((item: unknown) => {
    if (!isRecord(item)) throw new AcsHttpError(400, 'BadRequest', "Each entry of 'smsRecipients' must be an object.");
    return {
      to: requiredStringField(item, 'to'),
      repeatabilityRequestId: optionalStringField(item, 'repeatabilityRequestId'),
      repeatabilityFirstSent: optionalStringField(item, 'repeatabilityFirstSent'),
    };
  });
}

/** ACS message ids look like `Outgoing_20200610203725bfd4ba70-..._noam`. */
function newMessageId(now: number): string {
  const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(0, 14);
  return `Outgoing_${stamp}${randomUUID()}_noam`;
}

/** `POST /sms`: 202 with one result per recipient, or an error for the whole request. */
export function sendSms(state: SimulatorState, rawBody: Buffer, now: number): { value: SmsRecipientResult[] } {
  const body = parseJsonBody(rawBody);
  if (!isRecord(body)) throw new AcsHttpError(400, 'BadRequest', 'The request body must be a JSON object.');
  const from = requiredStringField(body, 'from');
  const message = requiredStringField(body, 'message');
  const recipients = parseRecipients(body.smsRecipients);
  if (message.length > MAX_MESSAGE_LENGTH) {
    throw new AcsHttpError(400, 'BadRequest', `'message' is longer than ${MAX_MESSAGE_LENGTH} characters.`);
  }
  const options = body.smsSendOptions;
  const tag = isRecord(options) ? optionalStringField(options, 'tag') : undefined;
  if (!isE164(from)) throw new AcsHttpError(400, 'BadRequest', 'Invalid From phone number format.');
  if (!state.config.smsSenders.has(from)) {
    // Real ACS answers a number the resource does not own with 401 (azure-sdk-for-js PR 14826).
    throw new AcsHttpError(401, 'Unauthorized', 'The From phone number is not owned by this resource.');
  }

  const idsInThisRequest = new Set<string>();
  const plans: Plan[] = recipients.map((r): Plan => {
    if (!isE164(r.to)) {
      return { kind: 'reply', result: { to: r.to, httpStatusCode: 400, successful: false, errorMessage: 'Invalid To phone number format.' } };
    }
    const fingerprint = JSON.stringify([from, r.to, message]);
    const check = state.smsRepeatability.check(r.repeatabilityRequestId, r.repeatabilityFirstSent, fingerprint, now);
    switch (check.kind) {
      case 'none':
        return { kind: 'send', recipient: r };
      case 'rejected':
        return { kind: 'reply', result: { to: r.to, httpStatusCode: check.httpStatusCode, repeatabilityResult: 'rejected', successful: false, errorMessage: check.errorMessage } };
      case 'replay':
        return { kind: 'reply', result: { ...check.result, repeatabilityResult: 'accepted' } };
      case 'new': {
        const key = check.id.toLowerCase();
        if (idsInThisRequest.has(key)) {
          return { kind: 'reply', result: { to: r.to, httpStatusCode: 400, repeatabilityResult: 'rejected', successful: false, errorMessage: 'Repeatability-Request-Id is used more than once in this request.' } };
        }
        idsInThisRequest.add(key);
        return { kind: 'send', recipient: r, repeatabilityId: check.id };
      }
    }
  });

  const toSend = plans.filter((p) => p.kind === 'send').length;
  if (toSend > 0) {
    const admission = state.smsLimiter.tryTake(from, toSend, now);
    if (!admission.ok) {
      throw new AcsHttpError(429, 'TooManyRequests', 'The rate limit for this sender number was exceeded. Retry after the interval in Retry-After.', {
        'Retry-After': retryAfterSeconds(admission.retryAfterMs),
      });
    }
  }

  const value = plans.map((plan): SmsRecipientResult => {
    if (plan.kind === 'reply') return plan.result;
    const { recipient, repeatabilityId } = plan;
    const repeatability = repeatabilityId === undefined ? {} : { repeatabilityResult: 'accepted' as const };
    const fault = state.faults.takeRecipientFault('POST', SMS_PATH, recipient.to);
    let result: SmsRecipientResult;
    if (fault !== undefined) {
      const status = fault.status ?? 400;
      result = { to: recipient.to, httpStatusCode: status, ...repeatability, successful: false, errorMessage: fault.errorMessage ?? 'Message could not be delivered to this recipient.' };
    } else {
      const messageId = newMessageId(now);
      state.outbox.add({ channel: 'sms', to: recipient.to, from, body: message, repeatabilityRequestId: repeatabilityId, messageId, tag }, now);
      result = { to: recipient.to, messageId, httpStatusCode: 202, ...repeatability, successful: true };
    }
    if (repeatabilityId !== undefined) {
      state.smsRepeatability.remember(repeatabilityId, JSON.stringify([from, recipient.to, message]), result, now);
    }
    return result;
  });
  return { value };
}
