// @tapline/ledger: the ledger port (requests, targets, quotas, audit), its Azure Table Storage
// adapter and its in-memory fake. See README.md for keys and semantics.

export type { Ledger } from './ledger.js';
export type {
  AuditDetail, AuditEvent, AuditQuery, CurrentTap, DeliveryChannel, NewAuditEvent, NewRequest,
  RequestPatch, RequestQuery, RequestRecord, RequestStatus, TargetLease, TargetRecord, TimelineEntry,
} from './records.js';
export { LeaseLostError, LedgerAccessError, LedgerConflictError, RequestNotFoundError } from './errors.js';
export { createMemoryLedger } from './memory-ledger.js';
export { createTableLedger } from './table/table-ledger.js';
export type { TableLedgerOptions } from './table/table-ledger.js';
export type { RoundRecord, WatchLease, WatchState, WatchStore, WatchedUser } from './watch-store.js';
export { createMemoryWatchStore } from './memory-watch-store.js';
export { createTableWatchStore } from './table/table-watch-store.js';
export type { TableWatchStoreOptions } from './table/table-watch-store.js';
