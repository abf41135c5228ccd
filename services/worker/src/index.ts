// @tapline/worker: the tap-requests consumer. `main.ts` is the process; these exports are for
// tests and the bench. See README.md.
export { createRequestHandler, decodeRequestMessage } from './handler.js';
export type { DecodedRequest } from './handler.js';
export { createMetrics } from './metrics.js';
export type { WorkerMetrics } from './metrics.js';
export { CRASH_POINTS } from './crash-hook.js';
export type { CrashHook, CrashPoint } from './crash-hook.js';
export { REPLACING_TAP_ID } from './issue.js';
export { AUDIT } from './ports.js';
export type { Sealer, WorkerDeps, WorkerSettings } from './ports.js';
export { eligibilityPolicyOf, workerConfigSchema } from './config.js';
export type { WorkerConfig } from './config.js';
export { WORKER_GRAPH_APP_ROLES } from './graph-permissions.js';
export { createDirectoryWatch } from './directory-watch.js';
export type { DirectoryWatch, DirectoryWatchDeps, DirectoryWatchSettings } from './directory-watch.js';
export { createAuditFeed } from './audit-feed.js';
export type { AuditFeed, AuditFeedSettings, AuditView } from './audit-feed.js';
export { decideHistory, readTargetHistory } from './directory-history.js';
export type { HistorySettings, HistorySources, TargetHistory } from './directory-history.js';
