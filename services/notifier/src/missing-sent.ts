// The `delivery.sent` event a crash can leave out. The notifier records `delivered` on the
// request first and appends `delivery.sent` right after (in that order, so that a request is
// never left `issued` with a trail claiming the TAP went out: the status is what stops a second
// send). A process killed between the two writes leaves a delivered request with no event, and
// its redelivered message then only sees `delivered`. So a redelivery that finds the event
// missing writes it, from what the request row kept, marked as recorded on redelivery: the
// trail then says what happened and that this entry was reconstructed. Bookkeeping only:
// nothing is sent.
import { RetryableError, type TapDeliveryMessage } from '@tapline/domain';
import type { RequestRecord } from '@tapline/ledger';
import { AUDIT, audit, type Trail } from './audit-trail.js';
import { LOG, warn, type Logger } from './logs.js';
import type { NotifierMetrics } from './metrics.js';
import type { NotifierLedger } from './ports.js';

/**
 * How long after `delivered` was recorded the copy that recorded it is assumed to have either
 * appended its event or died. The two writes are back to back (milliseconds apart); a duplicate
 * message arriving sooner than this is retried later instead of racing that copy into a second
 * `delivery.sent`. A crashed copy's message returns only after its lock expires (1 minute in
 * infra/topology.json), so a real repair is never held up by this.
 */
export const SENT_WRITER_GRACE_MS = 5_000;

export interface MissingSentDeps {
  readonly ledger: NotifierLedger;
  readonly now: () => Date;
  readonly metrics: NotifierMetrics;
}

/** When the request row says it became delivered (the same instant the lost event would carry). */
function deliveredAt(record: RequestRecord): Date {
  const entry = record.timeline.find((e) => e.status === 'delivered');
  return new Date(entry?.at ?? record.updatedAt);
}

/**
 * Appends the missing `delivery.sent` for a delivered request; returns true if it did. Throws a
 * RetryableError while the copy that recorded `delivered` may still be about to append it.
 */
export async function recordMissingSent(
  deps: MissingSentDeps, msg: TapDeliveryMessage, record: RequestRecord, trail: Trail, log: Logger,
): Promise<boolean> {
  if (trail.sent !== undefined) return false;
  const at = deliveredAt(record);
  if (deps.now().getTime() - at.getTime() < SENT_WRITER_GRACE_MS) {
    throw new RetryableError('delivered was just recorded and delivery.sent is not on the trail yet');
  }
  const channel = record.channel ?? null;
  await audit(deps.ledger, msg.requestId, AUDIT.sent, at, {
    tapId: msg.tapId,
    channel,
    // Which contact took it is not kept on the request row (no contact is).
    contactIndex: null,
    providerMessageId: record.providerMessageId ?? null,
    recordedOnRedelivery: true,
  });
  // The crashed copy died before counting it.
  if (record.channel !== undefined) deps.metrics.delivered(record.channel);
  warn(log, LOG.sentRecordedOnRedelivery, { channel: channel ?? 'unknown' });
  return true;
}
