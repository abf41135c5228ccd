import { z } from 'zod';
import { REPORTED_REASON_NAMES, type ReportedReason } from './reasons.js';
import { guidSchema } from './guid.js';
import { type MessageDecodeResult, SCHEMA_VERSION, decodeMessage, encodeMessage } from './message-codec.js';
import { sealedBoxSchema } from './sealed-box.js';
import { GRAPH_TAP_MAX_LIFETIME_MINUTES, GRAPH_TAP_MIN_LIFETIME_MINUTES } from './tap-lifetime.js';
import { MAX_ATTEMPT, TRACEPARENT_PATTERN, callbackSchema } from './tap-request-message.js';

/**
 * Queue tap-deliveries: worker -> notifier. Either a TAP to deliver (the only place the secret
 * travels, sealed) or a denial to report (the manager's contact, sealed). The notifier sends a
 * delivery only if its tapId is still the target's current TAP (DESIGN section 4).
 */
const isoDate = z.iso.datetime({ offset: true });
// Only reported reasons: a refusal never leaves the worker (nobody the payload names hears of it).
const denialReasonSchema = z.enum(REPORTED_REASON_NAMES as [ReportedReason, ...ReportedReason[]]);

const deliverySchema = z
  .object({
    kind: z.literal('delivery'),
    schemaVersion: z.literal(SCHEMA_VERSION),
    requestId: guidSchema,
    tapId: guidSchema,
    targetId: guidSchema,
    requestorId: guidSchema,
    issuedAt: isoDate,
    expiresAt: isoDate,
    lifetimeMinutes: z.number().int().min(GRAPH_TAP_MIN_LIFETIME_MINUTES).max(GRAPH_TAP_MAX_LIFETIME_MINUTES),
    isUsableOnce: z.boolean(),
    /** The TAP; AAD sealingAad(requestId, tapId, 'secret'). */
    sealedSecret: sealedBoxSchema,
    /** The target's DeliveryContacts; AAD sealingAad(requestId, tapId, 'contacts'). */
    sealedContacts: sealedBoxSchema,
    callback: callbackSchema.optional(),
    attempt: z.number().int().min(1).max(MAX_ATTEMPT),
    traceparent: z.string().regex(TRACEPARENT_PATTERN, { error: 'must be a W3C traceparent' }).optional(),
  })
  .superRefine((m, ctx) => {
    if (Date.parse(m.expiresAt) <= Date.parse(m.issuedAt)) ctx.addIssue({ code: 'custom', path: ['expiresAt'], message: 'must be after issuedAt' });
  });

const denialSchema = z.object({
  kind: z.literal('denial'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  requestId: guidSchema,
  referenceId: z.string().regex(/^TL-[0-9A-F]{8}$/, { error: 'must be a reference id (TL- and 8 upper-case hex digits)' }),
  targetId: guidSchema,
  requestorId: guidSchema,
  reasons: z.array(denialReasonSchema).min(1).max(REPORTED_REASON_NAMES.length),
  /** The requesting manager's DeliveryContacts; AAD sealingAad(requestId, null, 'contacts'). */
  sealedContacts: sealedBoxSchema,
  callback: callbackSchema.optional(),
  decidedAt: isoDate,
  attempt: z.number().int().min(1).max(MAX_ATTEMPT).default(1),
  traceparent: z.string().regex(TRACEPARENT_PATTERN, { error: 'must be a W3C traceparent' }).optional(),
});

export const tapOutcomeMessageSchema = z.discriminatedUnion('kind', [deliverySchema, denialSchema]);

export type TapDeliveryMessage = z.output<typeof deliverySchema>;
export type TapDenialMessage = z.output<typeof denialSchema>;
export type TapOutcomeMessage = TapDeliveryMessage | TapDenialMessage;

export function encodeTapOutcome(message: z.input<typeof tapOutcomeMessageSchema>): string {
  return encodeMessage(tapOutcomeMessageSchema, message, 'TapOutcomeMessage');
}

export function decodeTapOutcome(body: unknown): MessageDecodeResult<TapOutcomeMessage> {
  return decodeMessage(tapOutcomeMessageSchema, body);
}

/** Time left before the TAP expires; the delivery message's TTL, and 0 means TapExpired. */
export function deliveryTimeToLiveMs(message: Pick<TapDeliveryMessage, 'expiresAt'>, now: Date): number {
  return Math.max(0, Date.parse(message.expiresAt) - now.getTime());
}
