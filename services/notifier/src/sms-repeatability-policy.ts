// @azure/communication-sms 1.1.0 writes a fresh random `repeatabilityRequestId` and the current
// time as `repeatabilityFirstSent` into every recipient of every `send()` (platform facts 8), so
// a retried send is a new request to ACS. This pipeline policy replaces them with ours.
//
// Where it runs (core-client 1.11 / core-rest-pipeline 1.25): the body is serialised in the
// "Serialize" phase; policies given as `additionalPolicies` with position "perCall" join the
// phase-less group right after it, ahead of the HMAC policy that SmsClient adds to the same group
// later (insertion order). So the signature and `x-ms-content-sha256` cover the rewritten body.
// The "perRetry" position would run after signing and break the signature. The guard below
// fails loudly if an SDK upgrade ever moves signing ahead of this policy.
import type { SmsClientOptions } from '@azure/communication-sms';

// The pipeline types, reached through the SMS client's own options (core-rest-pipeline is not a
// direct dependency, and pnpm's strict layout would not resolve it from here).
type PipelinePolicy = NonNullable<SmsClientOptions['additionalPolicies']>[number]['policy'];
type PipelineRequest = Parameters<PipelinePolicy['sendRequest']>[0];

export const REPEATABILITY_POLICY_NAME = 'taplineSmsRepeatability';

/** Per-call header carrying our ids from `send()` to the policy; removed before the wire. */
export const REPEATABILITY_HEADER = 'x-tapline-sms-repeatability';

export interface RecipientRepeatability {
  readonly repeatabilityRequestId: string;
  readonly repeatabilityFirstSent: string;
}

/** Keyed by recipient E.164 number. */
export type RepeatabilityByRecipient = Readonly<Record<string, RecipientRepeatability>>;

export function encodeRepeatability(map: RepeatabilityByRecipient): string {
  return Buffer.from(JSON.stringify(map), 'utf8').toString('base64url');
}

function decodeRepeatability(value: string): Record<string, RecipientRepeatability> {
  const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error('sms repeatability: malformed header');
  return parsed as Record<string, RecipientRepeatability>;
}

interface SmsBody {
  smsRecipients?: { to?: string; repeatabilityRequestId?: string; repeatabilityFirstSent?: string }[];
}

function rewrite(request: PipelineRequest, ids: Record<string, RecipientRepeatability>): void {
  if (typeof request.body !== 'string') throw new Error('sms repeatability: the request body is not serialised JSON');
  const body = JSON.parse(request.body) as SmsBody;
  for (const recipient of body.smsRecipients ?? []) {
    const ours = recipient.to === undefined ? undefined : ids[recipient.to];
    // Every recipient must carry our id: a random one would make the send non-idempotent.
    if (ours === undefined) throw new Error('sms repeatability: a recipient has no deterministic id');
    recipient.repeatabilityRequestId = ours.repeatabilityRequestId;
    recipient.repeatabilityFirstSent = ours.repeatabilityFirstSent;
  }
  request.body = JSON.stringify(body);
}

export function smsRepeatabilityPolicy(): PipelinePolicy {
  return {
    name: REPEATABILITY_POLICY_NAME,
    async sendRequest(request, next) {
      const header = request.headers.get(REPEATABILITY_HEADER);
      if (request.method === 'POST' && new URL(request.url).pathname.endsWith('/sms')) {
        if (header === undefined) throw new Error('sms repeatability: send() was called without deterministic ids');
        if (request.headers.has('authorization')) {
          throw new Error('sms repeatability: the request was signed before the body was rewritten');
        }
        rewrite(request, decodeRepeatability(header));
      }
      request.headers.delete(REPEATABILITY_HEADER);
      return next(request);
    },
  };
}
