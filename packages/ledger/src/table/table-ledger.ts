// The Ledger on Azure Table Storage (Azurite locally). Every row that can be written concurrently
// is written with its ETag (If-Match); a 412 means "someone wrote first": re-read and re-decide,
// a bounded number of times.

import { TableClient, odata } from '@azure/data-tables';
import type { TableEntityResult, TableServiceClientOptions as TableClientOptions } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import { newAuditEvent } from '../audit-logic.js';
import { LeaseLostError, LedgerConflictError, RequestNotFoundError } from '../errors.js';
import { isLeaseFree, leaseOf } from '../lease-logic.js';
import type { Ledger } from '../ledger.js';
import type { RequestRecord, TargetLease, TargetRecord } from '../records.js';
import { applyTransition, newRequestRecord, utcDay } from '../request-logic.js';
import {
  auditToEntity, entityToAudit, entityToRequest, entityToTarget, requestToEntity, targetToEntity,
} from './entities.js';
import { REQUEST_ROW, TABLES, TARGET_ROW, encodeKey, tableName, validatePrefix } from './keys.js';
import type { TableKind } from './keys.js';
import { isAlreadyExists, isConditionFailed, isNotFound, translateTableError } from './translate.js';

export type TableLedgerOptions = (
  | { readonly connectionString: string }
  | { readonly endpoint: string; readonly credential: TokenCredential }
) & {
  /** Prepended to every table name (alphanumeric); lets tests and environments share an account. */
  readonly tablePrefix?: string;
  /** Create missing tables at start (default true). */
  readonly createTables?: boolean;
  /** Concurrent-update retries per write before `LedgerConflictError` (default 8). */
  readonly maxConflictRetries?: number;
  /** Rows a listing may scan before it stops (default 50,000). */
  readonly maxScan?: number;
  /** SDK-level retries of one HTTP call (default 3); 0 fails fast (tests, health probes). */
  readonly maxRequestRetries?: number;
};

type Row = Record<string, unknown>;

/** "Someone wrote first": re-read and decide again. */
const CONFLICT = Symbol('conflict');
type Conflict = typeof CONFLICT;

/** The SDK refuses http:// unless told; allow it only for loopback (Azurite). */
function clientOptions(url: string, maxRetries: number | undefined): TableClientOptions {
  const insecureLocal = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(url);
  return {
    ...(insecureLocal && { allowInsecureConnection: true }),
    ...(maxRetries !== undefined && { retryOptions: { maxRetries } }),
  };
}

function endpointOf(connectionString: string): string {
  if (/UseDevelopmentStorage=true/i.test(connectionString)) return 'http://127.0.0.1:10002/';
  return /TableEndpoint=([^;]+)/i.exec(connectionString)?.[1] ?? '';
}

export async function createTableLedger(options: TableLedgerOptions): Promise<Ledger> {
  const prefix = validatePrefix(options.tablePrefix ?? '');
  const maxRetries = options.maxConflictRetries ?? 8;
  const maxScan = options.maxScan ?? 50_000;

  const client = (kind: TableKind): TableClient => {
    const name = tableName(prefix, kind);
    if ('connectionString' in options) {
      return TableClient.fromConnectionString(options.connectionString, name, clientOptions(endpointOf(options.connectionString), options.maxRequestRetries));
    }
    return new TableClient(options.endpoint, name, options.credential, clientOptions(options.endpoint, options.maxRequestRetries));
  };
  const requests = client('requests');
  const targets = client('targets');
  const quotas = client('quotas');
  const audit = client('audit');

  if (options.createTables ?? true) {
    const byKind: Record<TableKind, TableClient> = { requests, targets, quotas, audit };
    for (const kind of TABLES) {
      try {
        await byKind[kind].createTable(); // idempotent in the SDK (409 TableAlreadyExists is swallowed)
      } catch (err) {
        throw translateTableError(err, `create table ${kind}`);
      }
    }
  }

  /** Point read; null on 404. Other failures are translated. */
  async function read(table: TableClient, pk: string, rk: string, what: string): Promise<TableEntityResult<Row> | null> {
    try {
      return await table.getEntity<Row>(pk, rk);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw translateTableError(err, what);
    }
  }

  /** Runs `attempt` until it returns something other than CONFLICT. */
  async function withConflictRetry<T>(table: string, key: string, attempt: () => Promise<T | Conflict>): Promise<T> {
    for (let i = 1; i <= maxRetries; i += 1) {
      const result = await attempt();
      if (result !== CONFLICT) return result;
    }
    throw new LedgerConflictError(table, key, maxRetries);
  }

  /** Conditional replace; CONFLICT on 412 or 404 (the row changed or vanished since the read). */
  async function replaceIfMatch(table: TableClient, entity: ReturnType<typeof targetToEntity>, etag: string, what: string): Promise<string | Conflict> {
    try {
      const res = await table.updateEntity(entity, 'Replace', { etag });
      return res.etag ?? '';
    } catch (err) {
      if (isConditionFailed(err) || isNotFound(err)) return CONFLICT;
      throw translateTableError(err, what);
    }
  }

  async function insert(table: TableClient, entity: ReturnType<typeof targetToEntity>, what: string): Promise<string | Conflict> {
    try {
      const res = await table.createEntity(entity);
      return res.etag ?? '';
    } catch (err) {
      if (isAlreadyExists(err)) return CONFLICT;
      throw translateTableError(err, what);
    }
  }

  async function scan<T>(table: TableClient, filter: string | undefined, map: (row: TableEntityResult<Row>) => T, what: string): Promise<T[]> {
    const out: T[] = [];
    try {
      const pages = table.listEntities<Row>(filter === undefined ? {} : { queryOptions: { filter } });
      for await (const row of pages) {
        out.push(map(row));
        if (out.length >= maxScan) break;
      }
    } catch (err) {
      throw translateTableError(err, what);
    }
    return out;
  }

  /** Writes a new version of a held target row; a lost ETag race means the lease is gone. */
  async function writeHeld(lease: TargetLease, change: (t: TargetRecord) => TargetRecord, what: string): Promise<TargetLease> {
    const row = await read(targets, encodeKey(lease.targetId), TARGET_ROW, what);
    if (!row || row.etag !== lease.etag) throw new LeaseLostError(lease.targetId, lease.owner);
    const next = change(entityToTarget(row));
    const etag = await replaceIfMatch(targets, targetToEntity(next), lease.etag, what);
    if (etag === CONFLICT) throw new LeaseLostError(lease.targetId, lease.owner);
    return leaseOf(next, etag);
  }

  return {
    async recordReceived(input) {
      const record = newRequestRecord(input);
      return withConflictRetry('requests', input.requestId, async () => {
        const created = await insert(requests, requestToEntity(record), 'record request');
        if (created !== CONFLICT) return { record, created: true };
        const row = await read(requests, encodeKey(input.requestId), REQUEST_ROW, 'read request');
        return row ? { record: entityToRequest(row), created: false } : CONFLICT;
      });
    },

    async transition(requestId, to, patch = {}, at = new Date()) {
      return withConflictRetry('requests', requestId, async () => {
        const row = await read(requests, encodeKey(requestId), REQUEST_ROW, 'read request');
        if (!row) throw new RequestNotFoundError(requestId);
        const next = applyTransition(entityToRequest(row), to, patch, at);
        const etag = await replaceIfMatch(requests, requestToEntity(next), row.etag, 'transition request');
        return etag === CONFLICT ? CONFLICT : next;
      });
    },

    async getRequest(requestId) {
      const row = await read(requests, encodeKey(requestId), REQUEST_ROW, 'read request');
      return row ? entityToRequest(row) : null;
    },

    async listRequests(query) {
      // Server-side filter; newest-first needs the whole match, so a scan bounded by maxScan.
      const parts: string[] = [];
      if (query.status !== undefined) parts.push(odata`status eq ${query.status}`);
      if (query.targetId !== undefined) parts.push(odata`targetId eq ${query.targetId}`);
      if (query.since !== undefined) parts.push(odata`createdAt ge ${query.since.toISOString()}`);
      const rows = await scan(requests, parts.length ? parts.join(' and ') : undefined, entityToRequest, 'list requests');
      return rows
        .sort((a: RequestRecord, b: RequestRecord) => b.createdAt.localeCompare(a.createdAt) || a.requestId.localeCompare(b.requestId))
        .slice(0, query.limit);
    },

    async acquireTargetLease(targetId, owner, ttlMs, now = new Date()) {
      const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
      return withConflictRetry('targets', targetId, async () => {
        const row = await read(targets, encodeKey(targetId), TARGET_ROW, 'read target');
        if (!row) {
          const fresh: TargetRecord = { targetId, leaseOwner: owner, leaseExpiresAt: expiresAt };
          const etag = await insert(targets, targetToEntity(fresh), 'create target');
          return etag === CONFLICT ? CONFLICT : leaseOf(fresh, etag);
        }
        const current = entityToTarget(row);
        if (!isLeaseFree(current, owner, now)) return null;
        const next: TargetRecord = { ...current, leaseOwner: owner, leaseExpiresAt: expiresAt };
        const etag = await replaceIfMatch(targets, targetToEntity(next), row.etag, 'acquire lease');
        return etag === CONFLICT ? CONFLICT : leaseOf(next, etag);
      });
    },

    async renewTargetLease(lease, ttlMs, now = new Date()) {
      return writeHeld(lease, (t) => ({ ...t, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() }), 'renew lease');
    },

    async setCurrentTap(lease, tap) {
      return writeHeld(lease, (t) => ({
        ...t,
        currentTapId: tap.tapId,
        currentTapExpiresAt: tap.expiresAt.toISOString(),
        currentTapRequestId: tap.requestId,
        lastIssuedAt: tap.issuedAt.toISOString(),
      }), 'set current TAP');
    },

    async releaseTargetLease(lease) {
      try {
        await writeHeld(lease, ({ leaseOwner: _o, leaseExpiresAt: _e, ...rest }) => rest, 'release lease');
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err; // taken over already: nothing to release
      }
    },

    async getTarget(targetId) {
      const row = await read(targets, encodeKey(targetId), TARGET_ROW, 'read target');
      return row ? entityToTarget(row) : null;
    },

    async countIssuedToday(requestorId, now) {
      const row = await read(quotas, encodeKey(requestorId), utcDay(now), 'read quota');
      return typeof row?.issued === 'number' ? row.issued : 0;
    },

    async incrementIssued(requestorId, now) {
      const pk = encodeKey(requestorId);
      const day = utcDay(now);
      return withConflictRetry('quotas', requestorId, async () => {
        const row = await read(quotas, pk, day, 'read quota');
        if (!row) {
          const etag = await insert(quotas, { partitionKey: pk, rowKey: day, requestorId, issued: 1 }, 'create quota');
          return etag === CONFLICT ? CONFLICT : 1;
        }
        const n = (typeof row.issued === 'number' ? row.issued : 0) + 1;
        const etag = await replaceIfMatch(quotas, { partitionKey: pk, rowKey: day, requestorId, issued: n }, row.etag, 'increment quota');
        return etag === CONFLICT ? CONFLICT : n;
      });
    },

    async appendAudit(input) {
      const event = newAuditEvent(input);
      // The id is unique (time + random), so a 409 can only be a retried insert of this very event.
      await insert(audit, auditToEntity(event), 'append audit');
      return event;
    },

    async listAudit(query = {}) {
      const parts: string[] = [];
      if (query.requestId !== undefined) parts.push(odata`PartitionKey eq ${encodeKey(query.requestId)}`);
      if (query.since !== undefined) parts.push(odata`at ge ${query.since.toISOString()}`);
      const rows = await scan(audit, parts.length ? parts.join(' and ') : undefined, entityToAudit, 'list audit');
      return rows.sort((a, b) => a.id.localeCompare(b.id)).slice(0, query.limit ?? Number.MAX_SAFE_INTEGER);
    },
  };
}
