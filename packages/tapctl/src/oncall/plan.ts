// What replay, reissue and purge would do with each selected dead letter: pure decisions over the
// dead letter, its request's ledger row and its target's current TAP, so they are tested without
// a broker. The rule that matters most: never resend a dead TAP.

import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import type { RequestRecord, TargetRecord } from '@tapline/ledger';
import type { DeadLetter } from './dead-letters.js';
import { REPLAY_PROPERTY, STRIPPED_PROPERTIES } from './dead-letters.js';

/** A delivery whose TAP expires within this is not worth sending (the notifier's own default margin). */
export const EXPIRY_MARGIN_MS = 120_000;

export type SkipReason =
  | 'done'
  | 'use reissue'
  | 'use replay'
  | 'in progress'
  | 'unreadable'
  | 'not in ledger';

export type Verdict =
  | { readonly action: 'replay' | 'reissue' | 'purge'; readonly note?: string }
  | { readonly action: 'skip'; readonly skip: SkipReason; readonly why: string };

const DONE = new Set(['delivered', 'superseded', 'denied']);

function skip(reason: SkipReason, why: string): Verdict {
  return { action: 'skip', skip: reason, why };
}

/** Why a delivery's TAP must not be sent any more, or undefined if it still may be. */
export function deadTap(dl: DeadLetter, target: TargetRecord | null, now: number): string | undefined {
  if (dl.reason === 'TapExpired') return 'the notifier found its TAP expired';
  if (dl.tapExpiresAt !== undefined && Date.parse(dl.tapExpiresAt) - EXPIRY_MARGIN_MS <= now) return `its TAP expires at ${dl.tapExpiresAt}`;
  if (dl.tapId !== undefined && target?.currentTapId !== dl.tapId) return 'its TAP is no longer the target\'s current one';
  return undefined;
}

export function decideReplay(dl: DeadLetter, record: RequestRecord | null | undefined, target: TargetRecord | null, now: number): Verdict {
  if (dl.kind === 'unreadable') return skip('unreadable', 'the body fails its contract: a replay fails the same way (purge it)');
  if (record && DONE.has(record.status)) return skip('done', `the request is already ${record.status}`);
  if (dl.kind === 'delivery') {
    if (!record) return skip('not in ledger', 'the request is not in the ledger: the notifier would refuse the delivery');
    const dead = deadTap(dl, target, now);
    if (dead !== undefined) return skip('use reissue', `${dead}: use \`tapctl dlq reissue ${dl.requestId ?? ''}\``.trim());
  }
  return { action: 'replay' };
}

export function decideReissue(dl: DeadLetter, record: RequestRecord | null | undefined, target: TargetRecord | null, now: number): Verdict {
  if (dl.kind !== 'delivery') return skip('use replay', 'only a dead-lettered delivery can be re-issued; replay a request');
  if (!record) return skip('not in ledger', 'the request is not in the ledger');
  if (DONE.has(record.status)) return skip('done', `the request is already ${record.status}`);
  if (record.status !== 'dead-lettered' && record.status !== 'failed') return skip('in progress', `the request is ${record.status}: the worker is still on it`);
  if (deadTap(dl, target, now) === undefined) return skip('use replay', 'its TAP is still current and valid: replay sends it');
  if (record.requestType === undefined || record.accessPackageId === undefined || record.stageInstanceId === undefined || record.stage === undefined) {
    return skip('in progress', 'the ledger row predates re-issue support (no request type or access package): replay the request message instead');
  }
  return { action: 'reissue' };
}

/** The replay's message id: the original's lineage and the replay's ordinal, so a re-run is a duplicate. */
export function replayMessageId(messageId: string, ordinal: number): string {
  const origin = messageId.replace(/:replay:\d+$/, '');
  return `${origin}:replay:${String(ordinal)}`;
}

/** The copy a replay sends: the same body and headers, without the dead-letter properties. */
export function replayCopy(m: ServiceBusReceivedMessage, dl: DeadLetter, now: number): ServiceBusMessage {
  const ordinal = dl.replayOrdinal + 1;
  const properties: Record<string, number | boolean | string | Date | null> = {};
  for (const [k, v] of Object.entries(m.applicationProperties ?? {})) {
    if ((STRIPPED_PROPERTIES as readonly string[]).includes(k)) continue;
    properties[k] = v;
  }
  properties[REPLAY_PROPERTY] = ordinal;
  const expires = m.expiresAtUtc?.getTime();
  // A delivery expires with its TAP: keep the original's absolute expiry.
  const ttl = expires !== undefined && Number.isFinite(expires) && expires - now < 365 * 86_400_000 ? Math.max(1_000, expires - now) : undefined;
  return {
    body: m.body as unknown,
    messageId: replayMessageId(String(m.messageId ?? ''), ordinal),
    ...(m.contentType !== undefined && { contentType: m.contentType }),
    ...(m.correlationId !== undefined && { correlationId: m.correlationId }),
    ...(m.subject !== undefined && { subject: m.subject }),
    applicationProperties: properties,
    ...(ttl !== undefined && { timeToLive: ttl }),
  };
}

/** The fresh request message id of a re-issue: one per dead TAP, so a re-run is a duplicate. */
export function reissueMessageId(requestId: string, tapId: string): string {
  return `reissue:${requestId}:${tapId}`;
}
