// @tapline/graph: the directory ports (Directory, TapIssuer, EntitlementManagement), their
// Microsoft Graph adapters and their in-memory fakes. See README.md.

export type {
  AssignmentRequests, AuditChange, ContactOptions, DeltaRound, Directory, DirectoryChangeFeed, DirectoryUser, EntitlementManagement,
  GraphCallStats, IssuedTap, PhoneMethodType, ResumeRequest, TapIssuer, TapPolicy, TapRequest, UserDelta, UserRole,
} from './ports.js';
export { DeltaTokenExpiredError } from './ports.js';
export { WATCH_SELECT, mailHash } from './graph-directory-changes.js';
export { createGraphAdapters } from './graph-adapters.js';
export type { GraphAdapterOptions, GraphAdapters } from './graph-adapters.js';
export { BearerFrom, GRAPH_SCOPE } from './graph-client.js';
export { createCredential } from './credential.js';
export type { CredentialSettings } from './credential.js';
export { parseRetryAfter, translateGraphError } from './translate-graph-error.js';
export type { GraphCallContext } from './translate-graph-error.js';
export { createThrottleGate, sleep } from './throttle-gate.js';
export type { ThrottleGate } from './throttle-gate.js';
export { createRateLimiter } from './rate-limiter.js';
export type { RateBudget, RateLimiter } from './rate-limiter.js';
export { createMemoryTenant } from './memory-tenant.js';
export type { MemoryOperation, MemoryTap, MemoryTenant, MemoryTenantSeed, MemoryUser } from './memory-tenant.js';
export { GRAPH_PERMISSIONS, graphAppRolesFor } from './permissions.js';
export type { GraphPermissionTable, GraphUsage } from './permissions.js';
