// One attempt at a request, as a state machine over its ledger status. Every branch is safe to
// run again from the top (a redelivery, an in-process retry): the ledger says where we are.
import { decideEligibility, isHandledRequest, referenceIdFor } from '@tapline/domain';
import type { RequestStatus, TapRequestMessage } from '@tapline/domain';
import type { ContactOptions } from '@tapline/graph';
import type { RequestRecord } from '@tapline/ledger';
import { confirmWithGraph, refuse } from './confirm.js';
import { deny, ensureDenialPublished } from './deny.js';
import { gatherFacts } from './gather-facts.js';
import { issueTap, publishPending } from './issue.js';
import type { IssueMemo } from './issue.js';
import { LOG, info } from './logs.js';
import type { Logger } from './logs.js';
import { AUDIT } from './ports.js';
import type { WorkerDeps } from './ports.js';
import { step } from './spans.js';
import { moveTo } from './transitions.js';
import { SPAN_ATTR } from '@tapline/observability';

export type RequestResult = 'issued' | 'denied' | 'refused' | 'duplicate';

export interface AttemptContext {
  readonly attempt: number;
  readonly memo: IssueMemo;
  readonly log: Logger;
}

export async function processRequest(deps: WorkerDeps, msg: TapRequestMessage, ctx: AttemptContext): Promise<RequestResult> {
  const { record, created } = await deps.ledger.recordReceived({
    requestId: msg.requestId,
    targetId: msg.targetId,
    requestorId: msg.requestorId,
    referenceId: referenceIdFor(msg.requestId),
    stageInstanceId: msg.stageInstanceId,
    stage: msg.stage,
    requestType: msg.requestType,
    accessPackageId: msg.accessPackageId,
    ...(msg.callback !== undefined && { callbackPath: msg.callback.uriPath }),
    at: deps.now(),
  });
  if (created) {
    deps.metrics.received();
    info(ctx.log, LOG.received);
  }

  switch (record.status) {
    case 'delivered':
    case 'superseded':
      return duplicate(ctx, record);
    case 'denied':
      await ensureDenialPublished(deps, msg, record, ctx.attempt, ctx.log);
      return duplicate(ctx, record);
    case 'failed':
    case 'dead-lettered':
      // Only an operator's replay brings a settled-for-good request back: start over.
      info(ctx.log, LOG.replayed, { from: record.status });
      if ((await moveTo(deps, msg.requestId, record.status, 'received', { note: 'replay' })) === 'moved-on') return duplicate(ctx, record);
      return decideAndIssue(deps, msg, ctx);
    case 'issued':
      if (ctx.memo.pending !== undefined && ctx.memo.pending.tapId === record.tapId) {
        // This run issued it and only the publish failed: publish again, no second TAP.
        await publishPending(deps, msg, ctx.memo, ctx.log);
        return 'issued';
      }
      if (await deliveryProvenPublished(deps, record)) return duplicate(ctx, record);
      return reissue(deps, msg, ctx, 'issued');
    case 'issuing':
      return reissue(deps, msg, ctx, 'issuing');
    case 'received':
      return decideAndIssue(deps, msg, ctx);
  }
}

function duplicate(ctx: AttemptContext, record: RequestRecord): 'duplicate' {
  info(ctx.log, LOG.duplicate, { status: record.status });
  return 'duplicate';
}

/** The audit trail holds `delivery.published` for the request's current TAP id. */
async function deliveryProvenPublished(deps: WorkerDeps, record: RequestRecord): Promise<boolean> {
  if (record.tapId === undefined) return false;
  const trail = await deps.ledger.listAudit({ requestId: record.requestId });
  return trail.some((e) => e.action === AUDIT.deliveryPublished && e.detail.tapId === record.tapId);
}

async function decideAndIssue(deps: WorkerDeps, msg: TapRequestMessage, ctx: AttemptContext): Promise<RequestResult> {
  // Check 0 before anything else, even check 1: a denial is reported to the people and the
  // callback path the call-out names, so it must first be the request Graph holds.
  const refusals = await confirmWithGraph(deps, msg, ctx.log);
  if (refusals.length > 0) return refuse(deps, msg, 'received', refusals, ctx.attempt, ctx.log);
  const policy = deps.settings.eligibility;
  // Check 1 needs no directory read.
  if (!isHandledRequest(policy.handled, msg.requestType, msg.stage)) {
    return deny(deps, msg, 'received', ['UnhandledRequest'], ctx.attempt, ctx.log);
  }
  const { facts, decision } = await step('decide', msg.requestId, async (span) => {
    const gathered = await gatherFacts(deps, msg, { rateLimits: true });
    const decided = decideEligibility(gathered, policy, deps.now());
    span.setAttribute(SPAN_ATTR.outcome, decided.allowed ? 'allowed' : 'denied');
    return { facts: gathered, decision: decided };
  });
  info(ctx.log, LOG.decided, { allowed: decision.allowed, ...(!decision.allowed && { reasons: decision.reasons.join(',') }) });
  if (!decision.allowed) return deny(deps, msg, 'received', decision.reasons, ctx.attempt, ctx.log);
  return issueAndSettle(deps, msg, ctx, 'received', true, facts.contactsToAvoid);
}

/**
 * A request marked issued (or issuing) whose delivery cannot be proven published: issue again.
 * The new TAP replaces the old one, and the old delivery, if it was published, is superseded by
 * the notifier. The directory checks (1-5) run again; the rate limits do not, since they would
 * count this request's own earlier issue against it.
 */
async function reissue(deps: WorkerDeps, msg: TapRequestMessage, ctx: AttemptContext, from: 'issued' | 'issuing'): Promise<RequestResult> {
  info(ctx.log, LOG.reissuing, { from });
  const facts = await gatherFacts(deps, msg, { rateLimits: false });
  const decision = decideEligibility(facts, deps.settings.eligibility, deps.now());
  if (!decision.allowed) {
    // The directory changed under the request (say, the target became an admin): stop here.
    if (from === 'issued' && (await moveTo(deps, msg.requestId, 'issued', 'issuing', { note: 're-check' })) === 'moved-on') return 'duplicate';
    return deny(deps, msg, 'issuing', decision.reasons, ctx.attempt, ctx.log);
  }
  return issueAndSettle(deps, msg, ctx, from, false, facts.contactsToAvoid);
}

async function issueAndSettle(
  deps: WorkerDeps, msg: TapRequestMessage, ctx: AttemptContext, from: RequestStatus, fresh: boolean, contactsToAvoid: ContactOptions,
): Promise<RequestResult> {
  const result = await step('issue', msg.requestId, async (span) => {
    const issued = await issueTap(deps, msg, { from, fresh, attempt: ctx.attempt, memo: ctx.memo, log: ctx.log, contactsToAvoid });
    span.setAttribute(SPAN_ATTR.outcome, issued.kind);
    return issued;
  });
  switch (result.kind) {
    case 'issued':
      return 'issued';
    case 'duplicate':
      return 'duplicate';
    case 'denied':
      return deny(deps, msg, from, result.reasons, ctx.attempt, ctx.log);
  }
}
