// The worker's configuration: one zod schema, env names declared once (here), parsed in main()
// through @tapline/config. The same names are app settings in Azure and env vars locally; names
// shared with the notifier (Service Bus, tables, sealing, Graph) are spelled the same.
import { env } from '@tapline/config';
import { DEFAULT_ELIGIBILITY_POLICY, DEFAULT_RETRY_SCHEDULE, REQUEST_STAGES, REQUEST_TYPES, eligibilityPolicySchema, isGuid } from '@tapline/domain';
import type { EligibilityPolicy, RetrySchedule } from '@tapline/domain';
import { SEALING_ACTIVE_KID_ENV, SEALING_KEYS_ENV } from '@tapline/sealing';
import { z } from 'zod';
import { CRASH_POINTS } from './crash-hook.js';

const guid = env.string().pipe(z.string().refine(isGuid, { error: 'must be a GUID' }));
const D = DEFAULT_ELIGIBILITY_POLICY;

/**
 * One eligibility policy field: the variables it is read from and how their values make it. The
 * schema's eligibility variables are taken from these entries, so a variable cannot be declared
 * without reaching the policy, and the `satisfies` below fails to compile when a policy field has
 * no entry.
 */
interface Knob<T> {
  readonly vars: z.ZodRawShape;
  /** `never`: each entry's reader takes its own variables' values. */
  readonly read: (values: never) => T;
}

function knob<S extends z.ZodRawShape, T>(vars: S, read: (values: z.output<z.ZodObject<S>>) => T) {
  return { vars, read };
}

/** The common case: one variable holds the field as is. */
function single<N extends string, S extends z.ZodType>(name: N, schema: S): { vars: Record<N, S>; read: (values: Record<N, z.output<S>>) => z.output<S> } {
  return { vars: { [name]: schema } as Record<N, S>, read: (values) => values[name] };
}

const ELIGIBILITY_KNOBS = {
  /** Required: the access package(s) this deployment's custom extension is attached to. */
  servedAccessPackageIds: single('WORKER_SERVED_ACCESS_PACKAGE_IDS', env.list(z.string().refine(isGuid, { error: 'must be a GUID' }), { min: 1 })),
  handled: knob(
    {
      WORKER_HANDLED_REQUEST_TYPES: env.list(z.enum(REQUEST_TYPES), { min: 1 }).default([...D.handled.requestTypes]),
      WORKER_HANDLED_STAGES: env.list(z.enum(REQUEST_STAGES), { min: 1 }).default([...D.handled.stages]),
    },
    (v) => ({ requestTypes: v.WORKER_HANDLED_REQUEST_TYPES, stages: v.WORKER_HANDLED_STAGES }),
  ),
  maxManagerDepth: single('WORKER_MAX_MANAGER_DEPTH', env.integer({ min: 1, max: 10 }).default(D.maxManagerDepth)),
  allowGuests: single('WORKER_ALLOW_GUESTS', env.boolean().default(D.allowGuests)),
  excludedGroupIds: single('WORKER_EXCLUDED_GROUP_IDS', env.list(z.string().refine(isGuid, { error: 'must be a GUID' })).default([])),
  managerChangeQuarantineHours: single('WORKER_MANAGER_CHANGE_QUARANTINE_HOURS', env.integer({ min: 0, max: 24 * 365 }).default(D.managerChangeQuarantineHours)),
  targetCooldownMinutes: single('WORKER_TARGET_COOLDOWN_MINUTES', env.integer({ min: 0, max: 60 * 24 * 30 }).default(D.targetCooldownMinutes)),
  requestorDailyQuota: single('WORKER_REQUESTOR_DAILY_QUOTA', env.integer({ min: 1, max: 10_000 }).default(D.requestorDailyQuota)),
} satisfies { readonly [F in keyof EligibilityPolicy]-?: Knob<EligibilityPolicy[F]> };

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type VarsOf<K extends Record<string, { vars: z.ZodRawShape }>> = UnionToIntersection<K[keyof K]['vars']>;

function varsOf<K extends Record<string, { vars: z.ZodRawShape }>>(knobs: K): VarsOf<K> {
  return Object.assign({}, ...Object.values(knobs).map((k) => k.vars)) as VarsOf<K>;
}

export const workerConfigSchema = z
  .object({
    // Service Bus: a connection string (local emulator), or a namespace with the managed identity (Azure).
    SERVICEBUS_CONNECTION_STRING: env.string().optional(),
    SERVICEBUS_NAMESPACE: env.string({ max: 260 }).optional(),
    WORKER_REQUESTS_QUEUE: env.string({ max: 260 }).default('tap-requests'),
    WORKER_DELIVERIES_QUEUE: env.string({ max: 260 }).default('tap-deliveries'),
    /** infra/topology.json: when given, both queues must be declared there. */
    WORKER_TOPOLOGY_FILE: env.string().optional(),
    WORKER_CONCURRENCY: env.integer({ min: 1, max: 256 }).default(8),
    WORKER_SHUTDOWN_DEADLINE_MS: env.durationMs({ min: 0, max: 300_000 }).default(30_000),
    WORKER_LOCK_RENEWAL_MAX_MS: env.durationMs({ min: 0, max: 3_600_000 }).default(300_000),
    /** In-process retries of one message stop after this long; then a delayed retry. */
    WORKER_INPROCESS_RETRY_BUDGET_MS: env.durationMs({ min: 0, max: 240_000 }).default(30_000),
    WORKER_INPROCESS_BASE_DELAY_MS: env.durationMs({ min: 1, max: 60_000 }).default(250),
    WORKER_INPROCESS_MAX_DELAY_MS: env.durationMs({ min: 1, max: 120_000 }).default(8_000),
    /** Delayed retries on the domain's schedule: first delay, cap and attempt budget. */
    WORKER_RETRY_BASE_DELAY_MS: env.durationMs({ min: 100, max: 3_600_000 }).default(DEFAULT_RETRY_SCHEDULE.baseMs),
    WORKER_RETRY_CAP_MS: env.durationMs({ min: 100, max: 86_400_000 }).default(DEFAULT_RETRY_SCHEDULE.capMs),
    WORKER_RETRY_MAX_ATTEMPTS: env.integer({ min: 1, max: 100 }).default(DEFAULT_RETRY_SCHEDULE.maxAttempts),
    /** The per-target lease: longer than one issue takes (Graph create, ledger writes, publish). */
    WORKER_LEASE_TTL_MS: env.durationMs({ min: 5_000, max: 3_600_000 }).default(120_000),

    /** Check 0: reads of an assignment request Graph does not know yet (replication), first delay doubling. */
    WORKER_REQUEST_LOOKUP_ATTEMPTS: env.integer({ min: 1, max: 10 }).default(4),
    WORKER_REQUEST_LOOKUP_DELAY_MS: env.durationMs({ min: 1, max: 10_000 }).default(500),

    // Eligibility (DESIGN section 3): declared with the policy field each one sets, below.
    ...varsOf(ELIGIBILITY_KNOBS),

    // The TAP: lifetime (default: the tenant policy's default) and one-time use, clamped to the policy.
    WORKER_TAP_LIFETIME_MINUTES: env.integer({ min: 10, max: 43_200 }).optional(),
    WORKER_TAP_USABLE_ONCE: env.boolean().default(true),

    // Graph. Locally the tenant simulator; the managed identity endpoint comes from the platform's
    // IDENTITY_ENDPOINT / IDENTITY_HEADER, read by @azure/identity itself.
    GRAPH_BASE_URL: env.url({ protocols: ['https:', 'http:'] }).default('https://graph.microsoft.com'),
    GRAPH_SCOPE: env.string().default('https://graph.microsoft.com/.default'),
    GRAPH_CREDENTIAL: env.oneOf(['managed-identity', 'default']).default('managed-identity'),
    GRAPH_MANAGED_IDENTITY_CLIENT_ID: guid.optional(),
    GRAPH_TIMEOUT_MS: env.durationMs({ min: 100, max: 120_000 }).default(30_000),
    /** Graph's identity write budget per app and tenant: 3,000 per 150 s. Per process: divide by replicas. */
    GRAPH_WRITE_BUDGET: env.integer({ min: 1, max: 1_000_000 }).default(3_000),
    GRAPH_WRITE_WINDOW_MS: env.durationMs({ min: 100, max: 3_600_000 }).default(150_000),
    /** The identity reports service (audit logs): 5 requests per 10 s. */
    GRAPH_REPORTS_BUDGET: env.integer({ min: 1, max: 1_000_000 }).default(5),
    GRAPH_REPORTS_WINDOW_MS: env.durationMs({ min: 100, max: 3_600_000 }).default(10_000),
    GRAPH_POLICY_TTL_MS: env.durationMs({ min: 0, max: 86_400_000 }).default(300_000),

    // The directory watch (users/delta) and the audit log behind the manager-change quarantine.
    /** false: this process never runs the watch (never takes its lease), it only reads what the holder records. */
    WORKER_WATCH_ENABLED: env.boolean().default(true),
    /** A round at least this often, asked or not. */
    WORKER_WATCH_POLL_MS: env.durationMs({ min: 1_000, max: 3_600_000 }).default(30_000),
    /** A decision uses a round that started after the request arrived and at most this long before. */
    WORKER_WATCH_FRESHNESS_MS: env.durationMs({ min: 0, max: 600_000 }).default(5_000),
    /** How long an attempt waits for that round before it becomes a delayed retry. */
    WORKER_WATCH_WAIT_MS: env.durationMs({ min: 100, max: 120_000 }).default(15_000),
    /** The watch lease: a dead holder is replaced within this long. */
    WORKER_WATCH_LEASE_TTL_MS: env.durationMs({ min: 1_000, max: 600_000 }).default(15_000),
    WORKER_WATCH_TICK_MS: env.durationMs({ min: 10, max: 10_000 }).default(250),
    /** How late Entra publishes audit entries; the first day's trust waits this long after the watch's first round. */
    WORKER_AUDIT_LATENCY_SECONDS: env.integer({ min: 0, max: 86_400 }).default(900),
    /** The tenant-wide audit read is repeated when older than this. */
    WORKER_AUDIT_REFRESH_MS: env.durationMs({ min: 1_000, max: 3_600_000 }).default(60_000),

    // Ledger (Azure Table Storage; Azurite locally).
    TABLES_CONNECTION_STRING: env.string().optional(),
    TABLES_ENDPOINT: env.url({ protocols: ['https:', 'http:'] }).optional(),
    TABLES_PREFIX: env.string({ max: 40 }).optional(),

    // Sealing keys: from configuration locally, from Key Vault in Azure (secrets `sealing-key-<kid>`).
    [SEALING_KEYS_ENV]: env.string().optional(),
    [SEALING_ACTIVE_KID_ENV]: env.string({ max: 64 }),
    SEALING_KEY_VAULT_URL: env.url({ protocols: ['https:'] }).optional(),

    /** Loopback Prometheus endpoint; 0 picks a free port (logged). Unset: no endpoint. */
    WORKER_METRICS_PORT: env.integer({ min: 0, max: 65_535 }).optional(),
    LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Test hook only: SIGKILL at this point (see crash-hook.ts). */
    TAPLINE_CRASH_AT: env.oneOf(CRASH_POINTS).optional(),
  })
  .superRefine((c, ctx) => {
    const oneOf = (a: keyof typeof c, b: keyof typeof c) => {
      if ((c[a] === undefined) === (c[b] === undefined)) ctx.addIssue({ code: 'custom', path: [a], message: `set exactly one of ${a} and ${b}` });
    };
    oneOf('SERVICEBUS_CONNECTION_STRING', 'SERVICEBUS_NAMESPACE');
    oneOf('TABLES_CONNECTION_STRING', 'TABLES_ENDPOINT');
    oneOf(SEALING_KEYS_ENV, 'SEALING_KEY_VAULT_URL');
    if (c.WORKER_REQUESTS_QUEUE === c.WORKER_DELIVERIES_QUEUE) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_DELIVERIES_QUEUE'], message: 'must differ from WORKER_REQUESTS_QUEUE' });
    }
    if (c.WORKER_LOCK_RENEWAL_MAX_MS > 0 && c.WORKER_INPROCESS_RETRY_BUDGET_MS >= c.WORKER_LOCK_RENEWAL_MAX_MS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_INPROCESS_RETRY_BUDGET_MS'], message: 'must stay below WORKER_LOCK_RENEWAL_MAX_MS (the lock must outlast the retries)' });
    }
    // The "not found yet" waits of check 0 run under the message lock too.
    const lookupWaitMs = c.WORKER_REQUEST_LOOKUP_DELAY_MS * (2 ** (c.WORKER_REQUEST_LOOKUP_ATTEMPTS - 1) - 1);
    if (c.WORKER_LOCK_RENEWAL_MAX_MS > 0 && lookupWaitMs >= c.WORKER_LOCK_RENEWAL_MAX_MS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_REQUEST_LOOKUP_ATTEMPTS'], message: 'the waits before "not found" must stay below WORKER_LOCK_RENEWAL_MAX_MS' });
    }
    if (c.WORKER_INPROCESS_BASE_DELAY_MS > c.WORKER_INPROCESS_MAX_DELAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_INPROCESS_BASE_DELAY_MS'], message: 'must not exceed WORKER_INPROCESS_MAX_DELAY_MS' });
    }
    if (c.WORKER_RETRY_BASE_DELAY_MS > c.WORKER_RETRY_CAP_MS) {
      ctx.addIssue({ code: 'custom', path: ['WORKER_RETRY_BASE_DELAY_MS'], message: 'must not exceed WORKER_RETRY_CAP_MS' });
    }
  });

export type WorkerConfig = z.output<typeof workerConfigSchema>;

/** The eligibility knobs as the domain's policy (validated again by its own schema). */
export function eligibilityPolicyOf(c: WorkerConfig): EligibilityPolicy {
  const knobs: Record<string, Knob<unknown>> = ELIGIBILITY_KNOBS;
  return eligibilityPolicySchema.parse(Object.fromEntries(Object.entries(knobs).map(([field, k]) => [field, (k.read as (v: WorkerConfig) => unknown)(c)])));
}

export function retryScheduleOf(c: WorkerConfig): RetrySchedule {
  return { ...DEFAULT_RETRY_SCHEDULE, baseMs: c.WORKER_RETRY_BASE_DELAY_MS, capMs: c.WORKER_RETRY_CAP_MS, maxAttempts: c.WORKER_RETRY_MAX_ATTEMPTS };
}

/** The SDKs refuse http:// unless told; allow it only for loopback stand-ins (toolchain gotcha 5). */
export function isLoopbackHttp(connectionStringOrUrl: string): boolean {
  return /(?:^|endpoint=)http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionStringOrUrl);
}
