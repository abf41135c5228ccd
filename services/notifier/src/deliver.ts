// One delivery: decide (already done? stale? superseded? expired?), then send the TAP through
// the first contact that accepts it, record it, and run the follow-ups. The order is what makes
// DESIGN section 4 hold: checks before any send, the same idempotency keys on every attempt, the
// ledger record right after the provider accepted, follow-ups only after that record.
import {
  IllegalTransition, PermanentError, RetryableError, decodeDeliveryContacts, sealingAad,
  type DeliveryContacts, type RequestStatus, type TapDeliveryMessage,
} from '@tapline/domain';
import type { RequestPatch, RequestRecord } from '@tapline/ledger';
import type { Outcome } from '@tapline/messaging';
import { AUDIT, audit, readTrail, type Trail } from './audit-trail.js';
import { planSends, type Channel, type PlannedSend } from './channel-plan.js';
import type { CrashHook } from './crash-hook.js';
import { confirmationStep, resumeStep, type FollowUpDeps } from './follow-ups.js';
import { emailOperationId, repeatabilityFirstSent, smsRepeatabilityId } from './idempotency-keys.js';
import { LOG, info, warn, type Logger } from './logs.js';
import { maskEmail, phoneEnding } from './masking.js';
import { recordMissingSent } from './missing-sent.js';
import type { Opener, RecipientOutcome, SmsSender } from './ports.js';
import { tapEmail, tapSms } from './templates.js';
import { step } from './spans.js';
import { SPAN_ATTR } from '@tapline/observability';

export interface DeliveryPolicy {
  readonly channelOrder: readonly Channel[];
  /** A TAP this close to its expiry is not sent: it could expire before it is read. */
  readonly expirySafetyMarginMs: number;
  /** How long ACS tracks an SMS repeatability id (ACS documents 5 minutes for repeatable requests). */
  readonly smsRepeatabilityWindowMs: number;
}

export interface DeliveryDeps extends FollowUpDeps {
  readonly opener: Opener;
  readonly sms: SmsSender;
  readonly policy: DeliveryPolicy;
  /** Hands the opened secret to the logger's exact-value redaction before anything can log it. */
  readonly registerSecret: (secret: string) => void;
  readonly crash: CrashHook;
}

/** A first-sent date this close to the end of ACS's tracking window is not reused. */
const REPEATABILITY_MARGIN_MS = 60_000;

const complete = (): Outcome => ({ kind: 'complete' });

/**
 * Records a status, or finds that a concurrent copy of this delivery (a duplicate message handled
 * in parallel) recorded the same status first: then that copy owns the follow-ups and this one
 * only completes. Any other refusal of the state machine is a bug and propagates.
 */
async function recordStatus(deps: DeliveryDeps, requestId: string, to: RequestStatus, patch: RequestPatch, at: Date): Promise<'recorded' | 'already'> {
  try {
    await deps.ledger.transition(requestId, to, patch, at);
    return 'recorded';
  } catch (err) {
    if (!(err instanceof IllegalTransition)) throw err;
    if ((await deps.ledger.getRequest(requestId))?.status === to) return 'already';
    throw err;
  }
}

export function maskedContact(send: PlannedSend): string {
  return send.channel === 'sms' ? (phoneEnding(send.to) ?? '??') : maskEmail(send.to);
}

function openDelivery(deps: DeliveryDeps, msg: TapDeliveryMessage): { secret: string; contacts: DeliveryContacts } {
  // The opener throws PermanentError SealingKeyUnavailable / SealedDataInvalid.
  const secret = deps.opener.open(msg.sealedSecret, sealingAad(msg.requestId, msg.tapId, 'secret'));
  deps.registerSecret(secret);
  const decoded = decodeDeliveryContacts(deps.opener.open(msg.sealedContacts, sealingAad(msg.requestId, msg.tapId, 'contacts')));
  if (!decoded.ok) throw new PermanentError('SealedDataInvalid', `sealed contacts do not match the contract (${decoded.error.field} ${decoded.error.message})`);
  return { secret, contacts: decoded.contacts };
}

/**
 * The SMS `repeatabilityFirstSent`: when this TAP's first send started, kept as a
 * `delivery.sending` audit event, so every attempt carries the same value. Once that is older
 * than ACS's tracking window, ACS has forgotten the id and would refuse the old date with 412; a
 * fresh date then lets the message through, at worst as a second copy of the same TAP (never a
 * different one).
 */
async function firstSentDate(deps: DeliveryDeps, msg: TapDeliveryMessage, trail: Trail, log: Logger): Promise<Date> {
  const now = deps.now();
  const startedAt = trail.sendingSince(msg.tapId);
  if (startedAt === undefined) {
    await audit(deps.ledger, msg.requestId, AUDIT.sending, now, { tapId: msg.tapId });
    return now;
  }
  if (now.getTime() - startedAt.getTime() < deps.policy.smsRepeatabilityWindowMs - REPEATABILITY_MARGIN_MS) return startedAt;
  await audit(deps.ledger, msg.requestId, AUDIT.repeatabilityWindowPassed, now, { tapId: msg.tapId, startedAt: startedAt.toISOString() });
  warn(log, LOG.repeatabilityWindowPassed, { startedAt: startedAt.toISOString() });
  return now;
}

function sendOne(deps: DeliveryDeps, msg: TapDeliveryMessage, send: PlannedSend, secret: string, firstSent: Date): Promise<RecipientOutcome> {
  return step(`send ${send.channel}`, msg.requestId, async (span) => {
    const result = await sendNow(deps, msg, send, secret, firstSent);
    span.setAttribute(SPAN_ATTR.outcome, result.status);
    return result;
  }, { [SPAN_ATTR.channel]: send.channel });
}

async function sendNow(deps: DeliveryDeps, msg: TapDeliveryMessage, send: PlannedSend, secret: string, firstSent: Date): Promise<RecipientOutcome> {
  const expiresAt = new Date(msg.expiresAt);
  const identity = { requestId: msg.requestId, tapId: msg.tapId, purpose: 'tap' as const };
  if (send.channel === 'sms') {
    return deps.sms.send({
      to: send.to,
      text: tapSms({ secret, expiresAt }),
      repeatabilityRequestId: smsRepeatabilityId(identity, send.to),
      repeatabilityFirstSent: repeatabilityFirstSent(firstSent),
    });
  }
  return deps.email.send({ to: send.to, content: tapEmail({ secret, expiresAt }), operationId: emailOperationId(identity, send.to) });
}

async function followUpsAfterDelivery(
  deps: DeliveryDeps, msg: TapDeliveryMessage, log: Logger, channel: Channel, masked: string, done: ReadonlySet<string>,
): Promise<void> {
  await resumeStep(deps, log, msg.requestId, msg.callback, { kind: 'fulfilled', channel }, done);
  await confirmationStep(deps, log, {
    requestId: msg.requestId, requestorId: msg.requestorId, tapId: msg.tapId, channel,
    maskedContact: masked, expiresAt: new Date(msg.expiresAt), done,
  });
}

/** A retried message for a request already delivered: finish the follow-ups, never send again. */
async function resumeFollowUps(deps: DeliveryDeps, msg: TapDeliveryMessage, record: RequestRecord, log: Logger): Promise<Outcome> {
  const trail = await readTrail(deps.ledger, msg.requestId);
  // A crash between the status write and the event left the trail without it: write it first.
  await recordMissingSent(deps, msg, record, trail, log);
  const channel = record.channel ?? 'sms';
  // No contact is kept in the ledger: re-derive the mask from the message's sealed contacts and
  // the contact index the `delivery.sent` event recorded; an event recorded on redelivery has
  // none, and then only a channel with a single contact tells which one it was.
  let masked = '??';
  if (deps.managerNotices) {
    const { contacts } = openDelivery(deps, msg);
    const candidates = planSends(contacts, [channel]).sends;
    const index = trail.sent?.contactIndex;
    const used = typeof index === 'number' ? candidates.find((s) => s.index === index) : candidates.length === 1 ? candidates[0] : undefined;
    if (used !== undefined) masked = maskedContact(used);
  }
  await followUpsAfterDelivery(deps, msg, log, channel, masked, trail.done);
  return complete();
}

export function deliver(deps: DeliveryDeps, msg: TapDeliveryMessage, log: Logger): Promise<Outcome> {
  return step('deliver', msg.requestId, async (span) => {
    const outcome = await deliverNow(deps, msg, log);
    span.setAttribute(SPAN_ATTR.outcome, outcome.kind);
    return outcome;
  });
}

async function deliverNow(deps: DeliveryDeps, msg: TapDeliveryMessage, log: Logger): Promise<Outcome> {
  const record = await deps.ledger.getRequest(msg.requestId);
  if (record === null) {
    throw new PermanentError('InvalidMessage', 'delivery for a request the ledger does not know');
  }
  if (record.tapId !== undefined && record.tapId !== msg.tapId) {
    // The worker re-issued within this request: the newer delivery carries the valid TAP.
    await audit(deps.ledger, msg.requestId, AUDIT.stale, deps.now(), { tapId: msg.tapId });
    info(log, LOG.deliveryStale, { status: record.status });
    return complete();
  }
  switch (record.status) {
    case 'delivered':
      info(log, LOG.deliverySettledBefore, { status: record.status });
      return resumeFollowUps(deps, msg, record, log);
    case 'superseded': {
      const { done } = await readTrail(deps.ledger, msg.requestId);
      await resumeStep(deps, log, msg.requestId, msg.callback, { kind: 'superseded', referenceId: record.referenceId }, done);
      return complete();
    }
    case 'denied':
    case 'failed':
    case 'dead-lettered':
      // At rest; an operator's replay moves the request back to issued first.
      info(log, LOG.deliverySettledBefore, { status: record.status });
      return complete();
    case 'received':
    case 'issuing':
      // The worker has not finished recording the issue: come back later, send nothing now.
      info(log, LOG.deliveryNotReady, { status: record.status });
      throw new RetryableError(`request is ${record.status}, not issued yet`);
    case 'issued':
      break;
  }

  // Supersession first: a superseded TAP is never re-issued, so it must not end as TapExpired.
  const target = await deps.ledger.getTarget(msg.targetId);
  if (target?.currentTapId !== msg.tapId) {
    const now = deps.now();
    if (await recordStatus(deps, msg.requestId, 'superseded', { note: `superseded by ${target?.currentTapId ?? 'no current TAP'}` }, now) === 'already') return complete();
    await audit(deps.ledger, msg.requestId, AUDIT.superseded, now, { tapId: msg.tapId, currentTapId: target?.currentTapId ?? null });
    deps.metrics.superseded();
    info(log, LOG.deliverySuperseded);
    await resumeStep(deps, log, msg.requestId, msg.callback, { kind: 'superseded', referenceId: record.referenceId }, new Set());
    return complete();
  }

  const now = deps.now();
  if (now.getTime() >= Date.parse(msg.expiresAt) - deps.policy.expirySafetyMarginMs) {
    if (await recordStatus(deps, msg.requestId, 'dead-lettered', { reasons: ['TapExpired'], note: 'TAP expired before delivery' }, now) === 'already') return complete();
    await audit(deps.ledger, msg.requestId, AUDIT.expired, now, { tapId: msg.tapId, expiresAt: msg.expiresAt });
    warn(log, LOG.deliveryExpired);
    // No resume: `tapctl dlq reissue` may still fulfil this request, and Entra keeps waiting.
    return { kind: 'deadLetter', reason: 'TapExpired', description: `TAP ${msg.tapId} expired at ${msg.expiresAt} before delivery` };
  }

  const { secret, contacts } = openDelivery(deps, msg);
  const plan = planSends(contacts, deps.policy.channelOrder);
  for (const s of plan.skipped) info(log, LOG.contactSkipped, { channel: s.channel, index: s.index, problem: s.problem });

  const failures: string[] = plan.skipped.map((s) => `${s.channel}#${s.index}:${s.problem}`);
  if (plan.sends.length > 0) {
    const firstSent = await firstSentDate(deps, msg, await readTrail(deps.ledger, msg.requestId), log);
    const refused = new Set<Channel>();
    for (const send of plan.sends) {
      if (refused.has(send.channel)) continue;
      const result = await sendOne(deps, msg, send, secret, firstSent);
      if (result.status === 'accepted') {
        deps.crash('after-send');
        const at = deps.now();
        const recorded = await recordStatus(deps, msg.requestId, 'delivered', {
          channel: send.channel, providerMessageId: result.providerMessageId, note: `delivered by ${send.channel}`,
        }, at);
        if (recorded === 'already') {
          // ACS replayed the concurrent copy's send (same keys): nothing new reached the person.
          info(log, LOG.deliverySettledBefore, { status: 'delivered', concurrent: true });
          return complete();
        }
        // A crash here leaves `delivered` without its event; the redelivery writes it (missing-sent.ts).
        deps.crash('after-status');
        await audit(deps.ledger, msg.requestId, AUDIT.sent, at, {
          tapId: msg.tapId, channel: send.channel, contactIndex: send.index, providerMessageId: result.providerMessageId, failedBefore: failures.length,
        });
        deps.metrics.delivered(send.channel);
        info(log, LOG.sent, { channel: send.channel, contactIndex: send.index, failedBefore: failures.length });
        deps.crash('after-record');
        await followUpsAfterDelivery(deps, msg, log, send.channel, maskedContact(send), new Set());
        return complete();
      }
      failures.push(`${send.channel}#${send.index}:${result.code}`);
      deps.metrics.sendRejected(send.channel);
      if (result.status === 'refused') {
        refused.add(send.channel);
        warn(log, LOG.channelUnavailable, { channel: send.channel, code: result.code });
      } else {
        info(log, LOG.sendRejected, { channel: send.channel, contactIndex: send.index, code: result.code });
      }
    }
  }

  const description = `no contact accepted the TAP (${failures.join(', ') || 'no contacts'})`;
  const at = deps.now();
  if (await recordStatus(deps, msg.requestId, 'failed', { reasons: ['NoDeliverableContact'], lastError: description }, at) === 'already') return complete();
  await audit(deps.ledger, msg.requestId, AUDIT.undeliverable, at, { tapId: msg.tapId, tried: plan.sends.length, skipped: plan.skipped.length });
  warn(log, LOG.noDeliverableContact, { tried: plan.sends.length, skipped: plan.skipped.length });
  return { kind: 'deadLetter', reason: 'NoDeliverableContact', description };
}
