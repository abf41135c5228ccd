import type { TokenCredential } from '@azure/identity';
import { createGraphTransport } from './graph-client.js';
import { createGraphDirectory } from './graph-directory.js';
import { createGraphDirectoryChanges } from './graph-directory-changes.js';
import { createGraphAssignmentRequests, createGraphEntitlement } from './graph-entitlement.js';
import { createGraphTapIssuer } from './graph-tap-issuer.js';
import type { AssignmentRequests, Directory, DirectoryChangeFeed, EntitlementManagement, GraphCallStats, TapIssuer } from './ports.js';
import { createRateLimiter } from './rate-limiter.js';
import type { RateBudget, RateLimiter } from './rate-limiter.js';
import { createThrottleGate } from './throttle-gate.js';
import type { ThrottleGate } from './throttle-gate.js';

/**
 * Everything a service needs from Graph, built once per process (one gate, one write limiter:
 * both are per-process by design).
 */
export interface GraphAdapterOptions {
  readonly baseUrl: string;
  readonly credential: TokenCredential;
  readonly scope?: string;
  readonly requestTimeoutMs?: number;
  /** Graph's documented identity write budget is 3,000 per 150 s per app and tenant. */
  readonly writeBudget: RateBudget;
  /** Audit-log reads (identity reports service): 5 per 10 s documented. */
  readonly reportsBudget: RateBudget;
  readonly policyTtlMs?: number;
  /** Receives every TAP secret the moment Graph returns it (register it for log redaction). */
  readonly onSecret?: (secret: string) => void;
  readonly onThrottled?: (retryAfterMs: number) => void;
}

export interface GraphAdapters {
  readonly directory: Directory;
  /** users/delta rounds and tenant-wide audit reads (the directory watch and the quarantine). */
  readonly changes: DirectoryChangeFeed;
  readonly tapIssuer: TapIssuer;
  readonly entitlement: EntitlementManagement;
  readonly assignmentRequests: AssignmentRequests;
  readonly gate: ThrottleGate;
  readonly writeLimiter: RateLimiter;
  readonly stats: () => GraphCallStats;
}

export function createGraphAdapters(options: GraphAdapterOptions): GraphAdapters {
  const gate = createThrottleGate();
  const transport = createGraphTransport({
    baseUrl: options.baseUrl,
    credential: options.credential,
    gate,
    ...(options.scope !== undefined && { scope: options.scope }),
    ...(options.requestTimeoutMs !== undefined && { requestTimeoutMs: options.requestTimeoutMs }),
    ...(options.onThrottled !== undefined && { onThrottled: options.onThrottled }),
  });
  const writeLimiter = createRateLimiter(options.writeBudget);
  const reportsLimiter = createRateLimiter(options.reportsBudget);
  return {
    directory: createGraphDirectory(transport),
    changes: createGraphDirectoryChanges(transport, { reportsLimiter }),
    tapIssuer: createGraphTapIssuer(transport, {
      limiter: writeLimiter,
      ...(options.policyTtlMs !== undefined && { policyTtlMs: options.policyTtlMs }),
      ...(options.onSecret !== undefined && { onSecret: options.onSecret }),
    }),
    entitlement: createGraphEntitlement(transport, { limiter: writeLimiter }),
    assignmentRequests: createGraphAssignmentRequests(transport),
    gate,
    writeLimiter,
    stats: transport.stats,
  };
}
