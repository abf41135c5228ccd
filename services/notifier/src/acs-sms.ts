// SmsSender on @azure/communication-sms. The SDK's own retries are off (maxRetries 0): retries,
// Retry-After and the per-channel rate gate live in one place (provider-call.ts), so a 429 pauses
// every send of the channel rather than only the call that met it.
import { SmsClient } from '@azure/communication-sms';
import { RetryableError } from '@tapline/domain';
import { classifyAcsError } from './acs-errors.js';
import type { RecipientOutcome, SmsMessage, SmsSender } from './ports.js';
import { REPEATABILITY_HEADER, encodeRepeatability, smsRepeatabilityPolicy } from './sms-repeatability-policy.js';

export interface AcsSmsOptions {
  readonly connectionString: string;
  /** The E.164 number the ACS resource owns. */
  readonly from: string;
  /** Only for local stand-ins on http:// (toolchain gotcha 5). */
  readonly allowInsecureConnection: boolean;
  readonly timeoutMs: number;
  readonly now: () => number;
}

export function createAcsSmsSender(options: AcsSmsOptions): SmsSender {
  const client = new SmsClient(options.connectionString, {
    allowInsecureConnection: options.allowInsecureConnection,
    retryOptions: { maxRetries: 0 },
    additionalPolicies: [{ policy: smsRepeatabilityPolicy(), position: 'perCall' }],
  });
  return {
    async send(message: SmsMessage): Promise<RecipientOutcome> {
      let results;
      try {
        results = await client.send(
          { from: options.from, to: [message.to], message: message.text },
          {
            enableDeliveryReport: true,
            requestOptions: {
              timeout: options.timeoutMs,
              customHeaders: {
                [REPEATABILITY_HEADER]: encodeRepeatability({
                  [message.to]: {
                    repeatabilityRequestId: message.repeatabilityRequestId,
                    repeatabilityFirstSent: message.repeatabilityFirstSent,
                  },
                }),
              },
            },
          },
        );
      } catch (err) {
        const failure = classifyAcsError(err, 'acs-sms', options.now());
        if (failure.kind === 'refused') return { status: 'refused', code: `sms-${failure.status}:${failure.code}` };
        throw failure.error;
      }
      const result = results[0];
      if (result === undefined) throw new RetryableError('acs-sms returned no result for the recipient');
      if (result.successful) {
        // messageId is optional in the 202 body; the repeatability id identifies the send too.
        return { status: 'accepted', providerMessageId: result.messageId ?? message.repeatabilityRequestId };
      }
      const status = result.httpStatusCode;
      if (status === 429 || status >= 500) throw new RetryableError(`acs-sms answered ${status} for the recipient`);
      return { status: 'rejected', code: `sms-${status}` };
    },
  };
}
