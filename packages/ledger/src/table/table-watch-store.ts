// The WatchStore on Azure Table Storage: table `<prefix>watch`. The state row (PK "~watch",
// RK "state") is written with its ETag, so only the lease holder's writes land; the round request
// (RK "wanted") is a plain upsert; the users share one partition (PK "~users", RK = user id) so a
// full sync writes them in transactions of 100 (a 2,000-user sync is 20 requests, not 2,000). Each
// row keeps its record as one JSON column: the watch reads and writes whole records, never
// queries by field.

import { TableClient } from '@azure/data-tables';
import type { TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import { LeaseLostError } from '../errors.js';
import { isWatchLeaseFree, watchLeaseOf, withRound } from '../watch-logic.js';
import type { WatchLease, WatchState, WatchStore, WatchedUser } from '../watch-store.js';
import { encodeKey, validatePrefix } from './keys.js';
import { isAlreadyExists, isConditionFailed, isNotFound, translateTableError } from './translate.js';

export type TableWatchStoreOptions = (
  | { readonly connectionString: string }
  | { readonly endpoint: string; readonly credential: TokenCredential }
) & { readonly tablePrefix?: string; readonly createTable?: boolean };

const WATCH_PK = '~watch';
const STATE_RK = 'state';
const WANTED_RK = 'wanted';
const USERS_PK = '~users';
/** Parallel point reads of user rows; parallel transactions of user-row writes. */
const READ_PARALLELISM = 16;
/** One transaction at a time: they all write the one partition. */
const TRANSACTION_PARALLELISM = 1;
/** Table Storage's limit on operations per transaction. */
const TRANSACTION_SIZE = 100;

type Row = { doc?: string };

export async function createTableWatchStore(options: TableWatchStoreOptions): Promise<WatchStore> {
  const name = `${validatePrefix(options.tablePrefix ?? '')}watch`;
  const where = 'connectionString' in options ? options.connectionString : options.endpoint;
  const insecureLocal = /UseDevelopmentStorage=true|(^|TableEndpoint=)http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(where);
  const clientOptions = insecureLocal ? { allowInsecureConnection: true } : {};
  const table = 'connectionString' in options
    ? TableClient.fromConnectionString(options.connectionString, name, clientOptions)
    : new TableClient(options.endpoint, name, options.credential, clientOptions);
  if (options.createTable ?? true) {
    try {
      await table.createTable();
    } catch (err) {
      throw translateTableError(err, 'create table watch');
    }
  }

  async function read(pk: string, rk: string, what: string): Promise<TableEntityResult<Row> | null> {
    try {
      return await table.getEntity<Row>(pk, rk);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw translateTableError(err, what);
    }
  }

  const parse = <T>(row: TableEntityResult<Row>): T => JSON.parse(row.doc ?? '{}') as T;
  const entity = (pk: string, rk: string, value: unknown) => ({ partitionKey: pk, rowKey: rk, doc: JSON.stringify(value) });

  async function writeHeld(lease: WatchLease, change: (s: WatchState) => WatchState, what: string): Promise<WatchLease> {
    const row = await read(WATCH_PK, STATE_RK, what);
    if (!row || row.etag !== lease.etag) throw new LeaseLostError('directory-watch', lease.owner);
    const next = change(parse<WatchState>(row));
    try {
      const res = await table.updateEntity(entity(WATCH_PK, STATE_RK, next), 'Replace', { etag: lease.etag });
      return watchLeaseOf(next, res.etag ?? '');
    } catch (err) {
      if (isConditionFailed(err) || isNotFound(err)) throw new LeaseLostError('directory-watch', lease.owner);
      throw translateTableError(err, what);
    }
  }

  return {
    async getState() {
      const row = await read(WATCH_PK, STATE_RK, 'read watch state');
      return row ? parse<WatchState>(row) : null;
    },

    async acquireLease(owner, ttlMs, now) {
      const row = await read(WATCH_PK, STATE_RK, 'read watch state');
      const current: WatchState = row ? parse<WatchState>(row) : { round: 0 };
      if (!isWatchLeaseFree(current, owner, now)) return null;
      const next: WatchState = { ...current, leaseOwner: owner, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() };
      try {
        const res = row
          ? await table.updateEntity(entity(WATCH_PK, STATE_RK, next), 'Replace', { etag: row.etag })
          : await table.createEntity(entity(WATCH_PK, STATE_RK, next));
        return watchLeaseOf(next, res.etag ?? '');
      } catch (err) {
        // Another worker wrote first: it holds the lease now.
        if (isConditionFailed(err) || isNotFound(err) || isAlreadyExists(err)) return null;
        throw translateTableError(err, 'acquire watch lease');
      }
    },

    renewLease: (lease, ttlMs, now) => writeHeld(lease, (s) => ({ ...s, leaseExpiresAt: new Date(now.getTime() + ttlMs).toISOString() }), 'renew watch lease'),
    recordRound: (lease, round) => writeHeld(lease, (s) => withRound(s, round), 'record watch round'),
    recordFailure: (lease, error, permanent) => writeHeld(lease, (s) => ({ ...s, lastError: error.slice(0, 500), lastErrorPermanent: permanent }), 'record watch failure'),
    clearDeltaLink: (lease) => writeHeld(lease, ({ deltaLink: _d, ...rest }) => rest, 'clear delta link'),

    async releaseLease(lease) {
      try {
        await writeHeld(lease, ({ leaseOwner: _o, leaseExpiresAt: _e, ...rest }) => rest, 'release watch lease');
      } catch (err) {
        if (!(err instanceof LeaseLostError)) throw err;
      }
    },

    async requestRound(at) {
      try {
        await table.upsertEntity(entity(WATCH_PK, WANTED_RK, { at: at.toISOString() }), 'Replace');
      } catch (err) {
        throw translateTableError(err, 'request watch round');
      }
    },

    async roundRequestedAt() {
      const row = await read(WATCH_PK, WANTED_RK, 'read watch request');
      const at = row ? parse<{ at?: string }>(row).at : undefined;
      return at === undefined ? undefined : new Date(at);
    },

    async getUsers(ids) {
      const out = new Map<string, WatchedUser>();
      for (let i = 0; i < ids.length; i += READ_PARALLELISM) {
        const rows = await Promise.all(ids.slice(i, i + READ_PARALLELISM).map((id) => read(USERS_PK, encodeKey(id.toLowerCase()), 'read watched user')));
        for (const row of rows) {
          if (!row) continue;
          const u = parse<WatchedUser>(row);
          out.set(u.userId, u);
        }
      }
      return out;
    },

    async putUsers(users) {
      // One row per user (a transaction refuses two operations on one row): the last one wins.
      const unique = [...new Map(users.map((u) => [u.userId.toLowerCase(), u])).values()];
      const batches: WatchedUser[][] = [];
      for (let i = 0; i < unique.length; i += TRANSACTION_SIZE) batches.push(unique.slice(i, i + TRANSACTION_SIZE));
      for (let i = 0; i < batches.length; i += TRANSACTION_PARALLELISM) {
        await Promise.all(batches.slice(i, i + TRANSACTION_PARALLELISM).map(async (batch) => {
          try {
            await table.submitTransaction(batch.map((u) => ['upsert', entity(USERS_PK, encodeKey(u.userId.toLowerCase()), u), 'Replace'] as const));
          } catch (err) {
            throw translateTableError(err, 'write watched users');
          }
        }));
      }
    },
  };
}
