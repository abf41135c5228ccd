// The quarantine's evidence (DESIGN section 3, check 5): what the directory watch saw (fresh within
// seconds) and what the audit log says (who, when; late by minutes), for one target. The stricter
// source wins: a change either one shows within the quarantine counts. A clean bill needs the
// watch: it must have run a round that started after the request arrived, and it must be trusted
// for the whole quarantine, either because it has been watching that long or because the audit
// log, read at least one ingestion latency after the watch's first round, shows no change before
// it. Anything slow or down is a wait (a delayed retry); what cannot be read at all is a denial,
// never a pass.
import { RetryableError, isPermanent, isRetryable } from '@tapline/domain';
import type { TapRequestMessage } from '@tapline/domain';
import type { AuditChange, ContactOptions, PhoneMethodType } from '@tapline/graph';
import type { WatchState, WatchStore, WatchedUser } from '@tapline/ledger';
import type { AuditFeed, AuditView } from './audit-feed.js';
import type { DirectoryWatch } from './directory-watch.js';

export interface HistorySettings {
  readonly quarantineMs: number;
  /** How late Entra publishes audit entries (the first day's bridge waits this long). */
  readonly auditLatencyMs: number;
  /** A decision uses a watch round that started at most this long before it (and after the request arrived). */
  readonly freshnessMs: number;
  /** How long one attempt waits for that round before it becomes a delayed retry. */
  readonly waitMs: number;
}

export interface HistorySources {
  readonly watch: DirectoryWatch;
  readonly store: WatchStore;
  readonly audit: AuditFeed;
  readonly settings: HistorySettings;
}

export type TargetHistory =
  | {
    readonly kind: 'known';
    /** The newest manager change within the quarantine, from either source. */
    readonly managerChangedAt?: Date;
    /** Channels whose address changed within the quarantine: not to be used. */
    readonly contacts: ContactOptions;
  }
  | { readonly kind: 'unavailable'; readonly why: string };

type Side<T> = { readonly ok: T } | { readonly failed: 'transient' | 'permanent'; readonly why: string };

const ALL_PHONES: readonly PhoneMethodType[] = ['mobile', 'alternateMobile', 'office'];

/** A wait the handler turns into a delayed retry; the message says what for (tapctl shows it). */
export function waitingFor(what: string, retryAfterMs?: number): RetryableError {
  return new RetryableError(`waiting for ${what}`, retryAfterMs === undefined ? {} : { retryAfterMs });
}

export async function readTargetHistory(sources: HistorySources, msg: TapRequestMessage, now: Date): Promise<TargetHistory> {
  const { settings } = sources;
  const received = Date.parse(msg.receivedAt);
  const notBefore = new Date(Math.min(now.getTime(), Math.max(Number.isNaN(received) ? now.getTime() : received, now.getTime() - settings.freshnessMs)));
  const watch = await settle<WatchSeen>(async () => {
    const state = await sources.watch.roundSince(notBefore, AbortSignal.timeout(settings.waitMs));
    // Never decide on an older round (say, the lease was lost while it ran).
    if (state?.lastRoundStartedAt === undefined || Date.parse(state.lastRoundStartedAt) < notBefore.getTime()) throw new RetryableError('no round started after the request arrived');
    const users = await sources.store.getUsers([msg.targetId]);
    return { state, user: users.get(msg.targetId.toLowerCase()) };
  });
  // On the first day the audit read must come one latency after the watch's first round.
  const first = 'ok' in watch && watch.ok.state?.firstRoundStartedAt !== undefined ? Date.parse(watch.ok.state.firstRoundStartedAt) : undefined;
  const bridge = first !== undefined && first > now.getTime() - settings.quarantineMs ? new Date(first + settings.auditLatencyMs) : undefined;
  const audit = await settle(() => sources.audit.view(bridge));
  // A watch that stopped for good says so in its state even when no fresh round came.
  const watchSide = 'failed' in watch && watch.failed === 'transient' ? await permanentWatchFailure(sources.store, watch) : watch;
  return decideHistory({ watch: watchSide, audit, targetId: msg.targetId, now, settings });
}

interface WatchSeen {
  readonly state: WatchState | null;
  readonly user: WatchedUser | undefined;
}

export interface HistoryInput {
  readonly watch: Side<WatchSeen>;
  readonly audit: Side<AuditView>;
  readonly targetId: string;
  readonly now: Date;
  readonly settings: HistorySettings;
}

/** The rules, without I/O (unit-tested on their own). */
export function decideHistory(input: HistoryInput): TargetHistory {
  const { watch, audit, now, settings } = input;
  const since = now.getTime() - settings.quarantineMs;
  const within = (t: number | undefined) => t !== undefined && !Number.isNaN(t) && t >= since;
  const auditChanges = 'ok' in audit ? audit.ok.changesFor(input.targetId).filter((c) => within(c.at.getTime())) : [];
  const user = 'ok' in watch ? watch.ok.user : undefined;

  // Stricter wins: a recent change either source shows is enough, whatever the other says.
  const managerTimes = [
    ...(user?.managerChangedAt !== undefined && within(Date.parse(user.managerChangedAt)) ? [Date.parse(user.managerChangedAt)] : []),
    ...auditChanges.filter((c) => c.kind === 'manager').map((c) => c.at.getTime()),
  ];
  if (managerTimes.length > 0) return { kind: 'known', managerChangedAt: new Date(Math.max(...managerTimes)), contacts: contactsToAvoid(user, auditChanges, audit, within) };

  if ('failed' in watch) {
    if (watch.failed === 'permanent') return { kind: 'unavailable', why: `the directory watch cannot run (${watch.why})` };
    throw waitingFor(`a directory watch round (${watch.why})`);
  }
  const state = watch.ok.state;
  const first = state?.firstRoundStartedAt === undefined ? undefined : Date.parse(state.firstRoundStartedAt);
  if (first === undefined) throw waitingFor("the directory watch's first round");
  if (first > since) {
    // The watch has not been running for the whole quarantine: the audit log must bridge the gap,
    // read at least one ingestion latency after the watch's first round.
    if ('failed' in audit) {
      if (audit.failed === 'permanent') return { kind: 'unavailable', why: `the directory watch is younger than the quarantine and the audit log cannot be read (${audit.why})` };
      throw waitingFor(`the audit log (${audit.why})`);
    }
    const bridgeAt = first + settings.auditLatencyMs;
    if (audit.ok.readAt.getTime() < bridgeAt || audit.ok.coveredFrom.getTime() > since) {
      throw waitingFor(`the audit log to cover the directory watch's first round (trusted from ${new Date(bridgeAt).toISOString()})`, Math.max(1_000, bridgeAt - now.getTime()));
    }
  }
  if (user === undefined) throw waitingFor('the directory watch to see the target');
  if (user.deleted === true) throw waitingFor('the directory watch to see the target (it reported it deleted)');
  if ('failed' in audit && audit.failed === 'transient') throw waitingFor(`the audit log (${audit.why})`);
  return { kind: 'known', contacts: contactsToAvoid(user, auditChanges, audit, within) };
}

/** Mail changed (watch or audit) or phone methods registered (audit only) within the quarantine. */
function contactsToAvoid(user: WatchedUser | undefined, auditChanges: readonly AuditChange[], audit: Side<AuditView>, within: (t: number | undefined) => boolean): ContactOptions {
  const excludeMail = (user?.mailChangedAt !== undefined && within(Date.parse(user.mailChangedAt))) || auditChanges.some((c) => c.kind === 'mail');
  const phones = auditChanges.filter((c) => c.kind === 'phone');
  // Phone registrations are only in the audit log: unreadable means no phone can be trusted.
  const excludePhoneTypes = 'failed' in audit || phones.some((c) => c.phoneType === undefined)
    ? ALL_PHONES
    : [...new Set(phones.map((c) => c.phoneType!))];
  return { excludeMail, excludePhoneTypes };
}

async function settle<T>(read: () => Promise<T>): Promise<Side<T>> {
  try {
    return { ok: await read() };
  } catch (err) {
    const why = err instanceof Error ? err.message.slice(0, 200) : String(err);
    if (isPermanent(err)) return { failed: 'permanent', why };
    if (isRetryable(err) || (err instanceof Error && ['AbortError', 'TimeoutError', 'WatchRoundTimeout'].includes(err.name))) return { failed: 'transient', why };
    throw err;
  }
}

async function permanentWatchFailure(store: WatchStore, side: Side<WatchSeen>): Promise<Side<WatchSeen>> {
  try {
    const state = await store.getState();
    if (state?.lastErrorPermanent === true) return { failed: 'permanent', why: state.lastError ?? 'a permanent failure' };
  } catch {
    // The ledger is down too: still a wait.
  }
  return side;
}
