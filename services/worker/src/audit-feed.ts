// The audit log as the quarantine reads it: one tenant-wide read of manager, mail and phone-method
// changes per window, shared by every request of this process (Graph allows 5 audit reads per
// 10 s per app and tenant; one read per request paced the worker at 0.5 requests/s). The first
// read covers the whole quarantine; later ones only what is new, starting one ingestion latency
// before the previous read so that entries Entra published late are still picked up.
import type { AuditChange, DirectoryChangeFeed } from '@tapline/graph';

export interface AuditFeedSettings {
  /** Read again when the last read is older than this. */
  readonly refreshMs: number;
  readonly quarantineMs: number;
  /** How late Entra publishes an entry (documented: 2 min p95, 5 min p99). */
  readonly latencyMs: number;
}

export interface AuditView {
  /** When the read behind this view started: entries older than `readAt - latency` are in it. */
  readonly readAt: Date;
  /** The oldest activity time the view covers. */
  readonly coveredFrom: Date;
  changesFor(userId: string): readonly AuditChange[];
}

export interface AuditFeed {
  /**
   * A view no older than the refresh window, and read at or after `readNotBefore` when given (the
   * first day's bridge needs a read made one latency after the watch's first round). Throws what
   * the read threw: no stale answer after a failure.
   */
  view(readNotBefore?: Date): Promise<AuditView>;
}

export function createAuditFeed(feed: DirectoryChangeFeed, settings: AuditFeedSettings, now: () => Date, onRead?: () => void): AuditFeed {
  const byUser = new Map<string, AuditChange[]>();
  const keyOf = (c: AuditChange) => `${c.userId}|${c.kind}|${c.at.toISOString()}|${c.phoneType ?? ''}`;
  let readAt: Date | undefined;
  let coveredFrom: Date | undefined;
  let reading: Promise<AuditView> | undefined;

  const view = (): AuditView => ({
    readAt: readAt!,
    coveredFrom: coveredFrom!,
    changesFor: (userId) => byUser.get(userId.toLowerCase()) ?? [],
  });

  async function read(): Promise<AuditView> {
    const started = now();
    const horizon = new Date(started.getTime() - settings.quarantineMs);
    const since = readAt === undefined ? horizon : new Date(Math.max(horizon.getTime(), readAt.getTime() - settings.latencyMs - 60_000));
    const changes = await feed.auditChanges(since);
    onRead?.();
    for (const c of changes) {
      const list = byUser.get(c.userId) ?? [];
      // Reads overlap by one latency: an entry already held is not added twice.
      if (!list.some((held) => keyOf(held) === keyOf(c))) list.push(c);
      byUser.set(c.userId, list);
    }
    // Forget what fell out of the quarantine.
    for (const [userId, list] of byUser) {
      const kept = list.filter((c) => c.at.getTime() >= horizon.getTime());
      if (kept.length === 0) byUser.delete(userId);
      else byUser.set(userId, kept);
    }
    if (coveredFrom === undefined) coveredFrom = since;
    readAt = started;
    return view();
  }

  return {
    view(readNotBefore) {
      const recentEnough = readAt !== undefined && now().getTime() - readAt.getTime() < settings.refreshMs;
      const lateEnough = readNotBefore === undefined || readNotBefore.getTime() > now().getTime() || (readAt !== undefined && readAt >= readNotBefore);
      if (recentEnough && lateEnough) return Promise.resolve(view());
      // One read for every request that finds the view stale at the same time.
      reading ??= read().finally(() => {
        reading = undefined;
      });
      return reading;
    },
  };
}
