// Issuing a TAP for an eligible request (DESIGN section 4): under the target's lease, record that
// the current TAP is being replaced, create it, record its id as the target's current TAP and the
// request `issued`, and only then publish the sealed delivery.
import { PermanentError, RetryableError, clampTapLifetime, isPermanent } from '@tapline/domain';
import type { ReportedReason, RequestStatus, TapRequestMessage } from '@tapline/domain';
import type { ContactOptions, IssuedTap } from '@tapline/graph';
import type { TargetLease, TargetRecord } from '@tapline/ledger';
import { LOG, info, warn } from './logs.js';
import type { Logger } from './logs.js';
import { ACTOR, AUDIT } from './ports.js';
import type { WorkerDeps } from './ports.js';
import { deliveryFor, publishDelivery } from './publish.js';
import type { PendingDelivery } from './publish.js';
import { moveTo } from './transitions.js';

/**
 * The target's current TAP id while a new TAP is being created: the nil GUID, which no real TAP
 * has. Written before Graph is asked, so a delivery of the previous TAP still in flight is
 * superseded even if we crash between the create (which kills the old TAP) and recording the new
 * id; otherwise the notifier could send a TAP Graph had already replaced.
 */
export const REPLACING_TAP_ID = '00000000-0000-0000-0000-000000000000';

/** State kept across in-process retries of one message, so a failed publish does not cost a TAP. */
export interface IssueMemo {
  pending?: PendingDelivery & { readonly expiresAt: Date };
  /** Exact secrets this run saw, scrubbed from any error text we write. */
  readonly secrets: string[];
}

export type IssueResult = { readonly kind: 'issued' } | { readonly kind: 'denied'; readonly reasons: ReportedReason[] } | { readonly kind: 'duplicate' };

export interface IssueContext {
  readonly from: RequestStatus;
  /** False on a re-issue after a crash: this request's own earlier issue must not deny it. */
  readonly fresh: boolean;
  readonly attempt: number;
  readonly memo: IssueMemo;
  readonly log: Logger;
  /** Channels changed within the quarantine: never used (the contact guard). */
  readonly contactsToAvoid: ContactOptions;
}

export async function issueTap(deps: WorkerDeps, msg: TapRequestMessage, ctx: IssueContext): Promise<IssueResult> {
  const { directory, tapIssuer, ledger, settings } = deps;
  // Checks that need no lease and no write come first: a request that cannot be delivered or
  // cannot get a TAP under the policy never replaces the user's current TAP.
  const contacts = await directory.contacts(msg.targetId, 'target', ctx.contactsToAvoid);
  if (contacts.mobilePhones.length === 0 && contacts.emails.length === 0) {
    throw new PermanentError('NoDeliverableContact', 'the target has no SMS-capable phone method and no mail in the directory');
  }
  const policy = await tapIssuer.policy();
  if (policy.state !== 'enabled') throw new PermanentError('TapPolicyRejected', 'the tenant TAP policy is disabled');
  const lifetime = clampTapLifetime(settings.tapLifetimeMinutes, policy, settings.tapIsUsableOnce);

  let lease = await ledger.acquireTargetLease(msg.targetId, msg.requestId, settings.leaseTtlMs, deps.now());
  if (lease === null) {
    info(ctx.log, LOG.targetBusy);
    throw new RetryableError('another request holds the target lease', { retryAfterMs: 1_000 });
  }
  try {
    const before = await ledger.getTarget(msg.targetId);
    if (ctx.fresh) {
      const refusal = await rateLimitUnderLease(deps, msg, before);
      if (refusal !== undefined) return { kind: 'denied', reasons: [refusal] };
    }
    if ((await moveTo(deps, msg.requestId, ctx.from, 'issuing', { attempts: ctx.attempt, note: ctx.fresh ? `attempt ${ctx.attempt}` : 're-issue' })) === 'moved-on') {
      return { kind: 'duplicate' };
    }

    const issuedAt = deps.now();
    lease = await ledger.setCurrentTap(lease, { tapId: REPLACING_TAP_ID, requestId: msg.requestId, issuedAt, expiresAt: issuedAt });
    let tap: IssuedTap;
    try {
      tap = await tapIssuer.create(msg.targetId, { lifetimeMinutes: lifetime.lifetimeMinutes, isUsableOnce: lifetime.isUsableOnce });
    } catch (err) {
      // Graph refused for good, so the previous TAP is intact: make it current again. After a
      // retryable failure we cannot know whether a TAP was created, so the marker stays.
      if (isPermanent(err)) lease = await restoreCurrent(deps, lease, before, ctx.log);
      throw err;
    }
    deps.onSecret(tap.secret);
    ctx.memo.secrets.push(tap.secret);
    info(ctx.log, LOG.tapCreated, { tapId: tap.id, lifetimeMinutes: tap.lifetimeInMinutes, isUsableOnce: tap.isUsableOnce, clamped: lifetime.clamped });
    deps.crash('after-tap-created');

    const expiresAt = new Date(Date.parse(tap.startDateTime) + tap.lifetimeInMinutes * 60_000);
    lease = await ledger.setCurrentTap(lease, { tapId: tap.id, requestId: msg.requestId, issuedAt: new Date(tap.createdDateTime), expiresAt });
    await moveTo(deps, msg.requestId, 'issuing', 'issued', { tapId: tap.id, tapExpiresAt: expiresAt, attempts: ctx.attempt });
    await ledger.appendAudit({
      requestId: msg.requestId, actor: ACTOR, action: AUDIT.issued, at: deps.now(),
      detail: { tapId: tap.id, lifetimeMinutes: tap.lifetimeInMinutes, isUsableOnce: tap.isUsableOnce, clamped: lifetime.clamped },
    });
    info(ctx.log, LOG.tapRecorded, { tapId: tap.id });
    deps.crash('after-ledger-write');

    ctx.memo.pending = { ...deliveryFor(deps, msg, tap, contacts, expiresAt, ctx.attempt), expiresAt };
  } finally {
    await ledger.releaseTargetLease(lease).catch((err: unknown) => {
      warn(ctx.log, LOG.ledgerWriteFailed, { to: 'release-lease', error: err instanceof Error ? err.name : 'unknown' });
    });
  }
  await publishPending(deps, msg, ctx.memo, ctx.log);
  return { kind: 'issued' };
}

/** Publishes the delivery prepared by this run, then records that it left (the proof a redelivery checks). */
export async function publishPending(deps: WorkerDeps, msg: TapRequestMessage, memo: IssueMemo, log: Logger): Promise<void> {
  const pending = memo.pending;
  if (!pending) throw new Error('no pending delivery to publish');
  await publishDelivery(deps, pending, pending.expiresAt);
  deps.crash('after-publish');
  await deps.ledger.appendAudit({ requestId: msg.requestId, actor: ACTOR, action: AUDIT.deliveryPublished, at: deps.now(), detail: { tapId: pending.tapId } });
  info(log, LOG.deliveryPublished, { tapId: pending.tapId });
  memo.pending = undefined;
}

/**
 * Check 6 again, race-free under the lease: two requests for one target both passed the check
 * before either issued. The quota counter is incremented here, once per fresh request; it is not
 * given back if the create then fails (a conservative count).
 */
async function rateLimitUnderLease(deps: WorkerDeps, msg: TapRequestMessage, target: TargetRecord | null): Promise<ReportedReason | undefined> {
  const policy = deps.settings.eligibility;
  const now = deps.now();
  const last = target?.lastIssuedAt === undefined ? undefined : Date.parse(target.lastIssuedAt);
  if (policy.targetCooldownMinutes > 0 && last !== undefined && target?.currentTapRequestId !== msg.requestId && now.getTime() - last < policy.targetCooldownMinutes * 60_000) {
    return 'TargetCooldown';
  }
  const count = await deps.ledger.incrementIssued(msg.requestorId, now);
  return count > policy.requestorDailyQuota ? 'RequestorQuotaExceeded' : undefined;
}

async function restoreCurrent(deps: WorkerDeps, lease: TargetLease, before: TargetRecord | null, log: Logger): Promise<TargetLease> {
  if (!before?.currentTapId || before.currentTapId === REPLACING_TAP_ID || !before.currentTapRequestId || !before.currentTapExpiresAt) return lease;
  try {
    return await deps.ledger.setCurrentTap(lease, {
      tapId: before.currentTapId,
      requestId: before.currentTapRequestId,
      issuedAt: new Date(before.lastIssuedAt ?? before.currentTapExpiresAt),
      expiresAt: new Date(before.currentTapExpiresAt),
    });
  } catch (err) {
    warn(log, LOG.ledgerWriteFailed, { to: 'restore-current-tap', error: err instanceof Error ? err.name : 'unknown' });
    return lease;
  }
}
