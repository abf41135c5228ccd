import type { SmsClientOptions } from '@azure/communication-sms';

/**
 * How a caller sets its OWN SMS repeatability id through `@azure/communication-sms` 1.1.0, whose
 * `send()` otherwise invents a fresh `repeatabilityRequestId` per call (so a re-send after a
 * crash is not idempotent).
 *
 * The SDK serializes the body in the pipeline's Serialize phase, then runs policies without a
 * phase in insertion order. A `perCall` additional policy is inserted when the client is built,
 * before the HMAC policy the SmsClient adds afterwards, so a body rewritten here is the body that
 * gets hashed and signed. The per-call values travel as two custom headers
 * (`send(req, { requestOptions: { customHeaders } })`, a public option), which the policy removes.
 */
type PipelinePolicy = NonNullable<SmsClientOptions['additionalPolicies']>[number]['policy'];

export const REPEATABILITY_ID_HEADER = 'x-tapline-repeatability-request-id';
export const REPEATABILITY_FIRST_SENT_HEADER = 'x-tapline-repeatability-first-sent';

interface SmsWireBody {
  smsRecipients: { to: string; repeatabilityRequestId?: string; repeatabilityFirstSent?: string }[];
}

export function smsRepeatabilityPolicy(): PipelinePolicy {
  return {
    name: 'taplineSmsRepeatability',
    async sendRequest(request, next) {
      const id = request.headers.get(REPEATABILITY_ID_HEADER);
      const firstSent = request.headers.get(REPEATABILITY_FIRST_SENT_HEADER);
      request.headers.delete(REPEATABILITY_ID_HEADER);
      request.headers.delete(REPEATABILITY_FIRST_SENT_HEADER);
      if (id !== undefined && typeof request.body === 'string') {
        const body = JSON.parse(request.body) as SmsWireBody;
        // One id names one recipient's message; a batch would need one id per recipient.
        if (body.smsRecipients.length !== 1) throw new Error('a caller-chosen repeatability id needs exactly one recipient');
        const [recipient] = body.smsRecipients;
        if (recipient !== undefined) {
          recipient.repeatabilityRequestId = id;
          recipient.repeatabilityFirstSent = firstSent ?? new Date().toUTCString();
        }
        request.body = JSON.stringify(body);
      }
      return next(request);
    },
  };
}
