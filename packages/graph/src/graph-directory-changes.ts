import { createHash } from 'node:crypto';
import { nextLinkRequest } from './graph-client.js';
import type { GraphTransport } from './graph-client.js';
import { graphCall, limitedCall, listAll } from './graph-call.js';
import type { AuditChange, DirectoryChangeFeed, PhoneMethodType, UserDelta } from './ports.js';
import { DeltaTokenExpiredError } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * The DirectoryChangeFeed port over Microsoft Graph: `users/delta` rounds for the directory watch
 * and one tenant-wide audit-log read for the changes the watch cannot see (who made a change;
 * phone-method registrations, which are not user properties).
 */
export interface GraphDirectoryChangesOptions {
  /** Paces `/auditLogs` reads (5 per 10 s per app and tenant). */
  readonly reportsLimiter?: RateLimiter;
  /** Bound on pages per round (a 100,000-user tenant at Graph's page size is a few hundred). */
  readonly maxDeltaPages?: number;
  /** Bound on audit pages per read; more means the read failed (never a partial answer). */
  readonly maxAuditPages?: number;
}

/** What the watch follows: the manager (escalation) and the mail (a delivery channel). */
export const WATCH_SELECT = 'id,accountEnabled,userType,manager,mail';

const PHONE_METHODS: Record<string, PhoneMethodType> = {
  'mobile phone': 'mobile',
  'alternate mobile phone': 'alternateMobile',
  'office phone': 'office',
};

interface DeltaItem {
  id?: string;
  mail?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  '@removed'?: { reason?: string };
  'manager@delta'?: Array<{ id?: string; '@removed'?: unknown }>;
}

interface DeltaPage {
  value?: DeltaItem[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
}

interface AuditEntry {
  activityDisplayName?: string;
  activityDateTime?: string;
  loggedByService?: string;
  initiatedBy?: { user?: { id?: string } | null; app?: { appId?: string } | null };
  targetResources?: Array<{ id?: string; type?: string; modifiedProperties?: Array<{ displayName?: string }> }>;
  additionalDetails?: Array<{ key?: string; value?: string }>;
}

/** SHA-256 of the lower-cased address: enough to see a change, nothing to leak. */
export function mailHash(mail: string | null | undefined): string | null {
  return mail ? createHash('sha256').update(mail.trim().toLowerCase()).digest('hex') : null;
}

export function createGraphDirectoryChanges(transport: GraphTransport, options: GraphDirectoryChangesOptions = {}): DirectoryChangeFeed {
  const { client } = transport;
  const maxDeltaPages = options.maxDeltaPages ?? 2_000;
  const maxAuditPages = options.maxAuditPages ?? 20;

  return {
    async deltaRound(deltaLink) {
      const fullSync = deltaLink === undefined;
      const users: UserDelta[] = [];
      let request = deltaLink === undefined
        ? client.api('/users/delta').select(WATCH_SELECT)
        : followLink(deltaLink);
      for (let pages = 1; pages <= maxDeltaPages; pages++) {
        const page = await deltaPage(request);
        for (const item of page.value ?? []) {
          const u = toUserDelta(item, fullSync);
          if (u) users.push(u);
        }
        if (page['@odata.deltaLink']) return { users, deltaLink: page['@odata.deltaLink'], fullSync, pages };
        if (!page['@odata.nextLink']) throw new Error('users/delta answered a page with neither a nextLink nor a deltaLink');
        request = followLink(page['@odata.nextLink']);
      }
      throw new Error(`users/delta did not finish a round within ${maxDeltaPages} pages`);
    },

    async auditChanges(since) {
      // Every "Update user" (manager and mail live there) and every security-info registration,
      // tenant-wide: one read answers for all users (the reports service allows 5 per 10 s).
      const filter = `activityDateTime ge ${since.toISOString()} and (activityDisplayName eq 'Update user' or activityDisplayName eq 'Set user manager'`
        + " or loggedByService eq 'Authentication Methods')";
      const request = client.api('/auditLogs/directoryAudits').filter(filter).top(999);
      const { items, complete } = await limitedCall(options.reportsLimiter, async () => {
        const all = await listAll<AuditEntry>(transport, { operation: 'directoryAudits' }, request, maxAuditPages + 1);
        return { items: all.items, complete: all.items.length < 999 * (maxAuditPages + 1) };
      });
      if (!complete) throw new Error(`directoryAudits: more than ${maxAuditPages} pages since ${since.toISOString()}`);
      return items.flatMap((e) => toAuditChanges(e));
    },
  };

  function followLink(link: string) {
    const { version, path } = nextLinkRequest(link, transport.baseUrl);
    return client.api(path).version(version);
  }

  async function deltaPage(request: ReturnType<typeof client.api>): Promise<DeltaPage> {
    try {
      return await graphCall({ operation: 'usersDelta' }, () => request.get() as Promise<DeltaPage>);
    } catch (err) {
      if (causeCode(err) === 'syncStateNotFound') throw new DeltaTokenExpiredError();
      throw err;
    }
  }
}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function toUserDelta(item: DeltaItem, fullSync: boolean): UserDelta | undefined {
  if (!item.id) return undefined;
  const id = item.id.toLowerCase();
  if (item['@removed'] !== undefined) return { id, removed: true };
  let managerId: string | null | undefined;
  const managers = item['manager@delta'];
  if (managers !== undefined) {
    const current = managers.filter((m) => m['@removed'] === undefined && m.id);
    managerId = current.length > 0 ? current[current.length - 1]!.id!.toLowerCase() : null;
  } else if (fullSync) {
    managerId = null; // a full sync names every manager; none named means none
  }
  return {
    id,
    removed: false,
    ...(managerId !== undefined && { managerId }),
    ...('mail' in item && { mailHash: mailHash(item.mail) }),
    ...(typeof item.accountEnabled === 'boolean' && { accountEnabled: item.accountEnabled }),
    ...(typeof item.userType === 'string' && { userType: item.userType }),
  };
}

function toAuditChanges(e: AuditEntry): AuditChange[] {
  const at = Date.parse(e.activityDateTime ?? '');
  if (Number.isNaN(at)) return [];
  const by = e.initiatedBy?.user?.id ?? e.initiatedBy?.app?.appId ?? undefined;
  const out: AuditChange[] = [];
  for (const t of e.targetResources ?? []) {
    if (!t.id || (t.type !== undefined && t.type !== 'User')) continue;
    const base = { userId: t.id.toLowerCase(), at: new Date(at), ...(by !== undefined && { by }) };
    const changed = new Set((t.modifiedProperties ?? []).map((p) => p.displayName?.toLowerCase()));
    if (e.activityDisplayName === 'Set user manager' || (e.activityDisplayName === 'Update user' && changed.has('manager'))) out.push({ ...base, kind: 'manager' });
    if (e.activityDisplayName === 'Update user' && changed.has('mail')) out.push({ ...base, kind: 'mail' });
    if (e.loggedByService === 'Authentication Methods') {
      const method = e.additionalDetails?.find((d) => d.key?.toLowerCase() === 'method')?.value?.toLowerCase();
      // A TAP, FIDO key or authenticator is no delivery channel; an entry naming no method might be a phone.
      if (method === undefined) out.push({ ...base, kind: 'phone' });
      else if (PHONE_METHODS[method] !== undefined) out.push({ ...base, kind: 'phone', phoneType: PHONE_METHODS[method] });
    }
  }
  return out;
}
