// What the request handler needs, wired in main.ts (the one composition root). Ports are the
// shared packages' own: the directory ports from @tapline/graph, the ledger, a queue sender, the
// sealing key ring; tests pass the in-memory fakes of each.
import type { EligibilityPolicy, RetrySchedule, SealedBox } from '@tapline/domain';
import type { AssignmentRequests, Directory, TapIssuer } from '@tapline/graph';
import type { Ledger } from '@tapline/ledger';
import type { QueueSender } from '@tapline/messaging';
import type { CrashHook } from './crash-hook.js';
import type { HistorySources } from './directory-history.js';
import type { WorkerMetrics } from './metrics.js';

export interface Sealer {
  seal(plaintext: string, aad: string): SealedBox;
}

export interface WorkerSettings {
  readonly eligibility: EligibilityPolicy;
  /** Requested TAP lifetime (undefined: the tenant policy's default), clamped to the policy. */
  readonly tapLifetimeMinutes: number | undefined;
  readonly tapIsUsableOnce: boolean;
  /** Per-target lease; must outlast one issue (Graph create + ledger writes + publish). */
  readonly leaseTtlMs: number;
  readonly retrySchedule: RetrySchedule;
  /** Check 0: reads of an assignment request Graph does not know yet, the first delay (doubling). */
  readonly requestLookup: { readonly attempts: number; readonly delayMs: number };
  /** In-process retries stop this long after the handler started (the message lock keeps renewing meanwhile). */
  readonly inProcessRetryBudgetMs: number;
  readonly inProcessBaseDelayMs: number;
  readonly inProcessMaxDelayMs: number;
  readonly requestsQueue: string;
  readonly deliveriesQueue: string;
}

export interface WorkerDeps {
  readonly directory: Directory;
  /** Check 0: the access-package assignment request as Graph holds it. */
  readonly assignmentRequests: AssignmentRequests;
  /** The quarantine's evidence: the directory watch and the audit log. */
  readonly history: HistorySources;
  readonly tapIssuer: TapIssuer;
  readonly ledger: Ledger;
  /** The tap-deliveries queue. */
  readonly deliveries: QueueSender;
  readonly sealer: Sealer;
  readonly metrics: WorkerMetrics;
  readonly settings: WorkerSettings;
  /** Registers a TAP secret with the logger's redaction the moment it exists. */
  readonly onSecret: (secret: string) => void;
  readonly crash: CrashHook;
  readonly now: () => Date;
  readonly random: () => number;
}

/** Audit actions the worker writes; `*.published` double as proof that a message left. */
export const AUDIT = {
  received: 'request.received',
  denied: 'request.denied',
  /** A call-out Graph does not confirm (check 0): a security event, nothing sent. */
  refused: 'security.request_refused',
  denialPublished: 'denial.published',
  issued: 'tap.issued',
  deliveryPublished: 'delivery.published',
  failed: 'request.failed',
  retryScheduled: 'request.retry_scheduled',
} as const;

export const ACTOR = 'worker';
