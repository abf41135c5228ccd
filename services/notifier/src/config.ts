// The notifier's configuration: one zod schema, env names declared once (here), parsed in main()
// through @tapline/config. The same names are app settings in Azure and env vars locally.
import { env } from '@tapline/config';
import { SEALING_ACTIVE_KID_ENV, SEALING_KEYS_ENV } from '@tapline/sealing';
import { z } from 'zod';
import { CHANNELS } from './channel-plan.js';
import { CRASH_POINTS } from './crash-hook.js';

const E164 = /^\+[1-9]\d{6,14}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const notifierConfigSchema = z
  .object({
    // Service Bus, ledger and sealing keys: connection strings and keys locally; in Azure the
    // namespace, the table endpoint and Key Vault, reached with the managed identity below.
    SERVICEBUS_CONNECTION_STRING: env.string().optional(),
    SERVICEBUS_NAMESPACE: env.string({ max: 260 }).optional(),
    NOTIFIER_QUEUE_NAME: env.string({ max: 260 }).default('tap-deliveries'),
    /** Messages handled at once (each waits in the channel's rate gate, so more only helps latency). */
    NOTIFIER_CONCURRENCY: env.integer({ min: 1, max: 256 }).default(8),
    NOTIFIER_SHUTDOWN_DEADLINE_MS: env.durationMs({ min: 0, max: 300_000 }).default(30_000),
    NOTIFIER_LOCK_RENEWAL_MAX_MS: env.durationMs({ min: 0, max: 3_600_000 }).default(300_000),

    TABLES_CONNECTION_STRING: env.string().optional(),
    TABLES_ENDPOINT: env.url({ protocols: ['https:', 'http:'] }).optional(),
    TABLES_PREFIX: env.string({ max: 40 }).optional(),

    [SEALING_KEYS_ENV]: env.string().optional(),
    [SEALING_ACTIVE_KID_ENV]: env.string({ max: 64 }),
    SEALING_KEY_VAULT_URL: env.url({ protocols: ['https:'] }).optional(),

    ACS_CONNECTION_STRING: env.string(),
    /** Required when NOTIFIER_CHANNEL_ORDER lists sms (a new deployment may run email-only until a number is bought). */
    ACS_SMS_FROM: env.string().pipe(z.string().regex(E164, { error: 'must be an E.164 number such as +18005550100' })).optional(),
    ACS_EMAIL_SENDER: env.string().pipe(z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { error: 'must be an email address on a linked domain' })),
    ACS_TIMEOUT_MS: env.durationMs({ min: 100, max: 120_000 }).default(10_000),
    ACS_EMAIL_POLL_INTERVAL_MS: env.durationMs({ min: 10, max: 60_000 }).default(1_000),
    ACS_EMAIL_POLL_TIMEOUT_MS: env.durationMs({ min: 100, max: 300_000 }).default(30_000),
    /** How long ACS remembers an SMS repeatability id (5 minutes documented for repeatable requests). */
    ACS_SMS_REPEATABILITY_WINDOW_MS: env.durationMs({ min: 120_000, max: 86_400_000 }).default(300_000),

    NOTIFIER_CHANNEL_ORDER: env.list(z.enum(CHANNELS), { min: 1, max: 2 }).default(['sms', 'email']),
    /** ACS toll-free numbers: 200 messages per minute per number. Per process: divide by replicas. */
    NOTIFIER_SMS_PER_MINUTE: env.integer({ min: 1, max: 100_000 }).default(200),
    /** ACS email, custom domain: 30 per minute per resource. Per process: divide by replicas. */
    NOTIFIER_EMAIL_PER_MINUTE: env.integer({ min: 1, max: 100_000 }).default(30),
    NOTIFIER_MANAGER_NOTICES: env.boolean().default(true),
    /** A manager notice that would wait longer for the email gate is deferred to a later retry. */
    NOTIFIER_NOTICE_MAX_WAIT_MS: env.durationMs({ min: 0, max: 60_000 }).default(2_000),
    NOTIFIER_EXPIRY_MARGIN_MS: env.durationMs({ min: 0, max: 3_600_000 }).default(120_000),
    /** In-process retries of one provider call (kept well inside the 1 minute message lock). */
    NOTIFIER_PROVIDER_RETRY_BUDGET_MS: env.durationMs({ min: 0, max: 240_000 }).default(20_000),
    /** Delayed retries (the domain's schedule): first delay and attempt budget. */
    NOTIFIER_RETRY_BASE_DELAY_MS: env.durationMs({ min: 100, max: 3_600_000 }).default(30_000),
    NOTIFIER_RETRY_MAX_ATTEMPTS: env.integer({ min: 1, max: 100 }).default(10),

    GRAPH_BASE_URL: env.url({ protocols: ['https:', 'http:'] }).default('https://graph.microsoft.com'),
    GRAPH_CREDENTIAL: env.oneOf(['managed-identity', 'default']).default('managed-identity'),
    GRAPH_MANAGED_IDENTITY_CLIENT_ID: env.string().pipe(z.string().regex(GUID, { error: 'must be a GUID' })).optional(),
    GRAPH_TIMEOUT_MS: env.durationMs({ min: 100, max: 120_000 }).default(30_000),

    /** Loopback /metrics (Prometheus text); unset: no endpoint, 0: a free port. */
    NOTIFIER_METRICS_PORT: env.integer({ min: 0, max: 65_535 }).optional(),
    LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
    /** Test hook only: SIGKILL at this point (see crash-hook.ts). */
    TAPLINE_CRASH_AT: env.oneOf(CRASH_POINTS).optional(),
  })
  .superRefine((config, ctx) => {
    const oneOf = (a: keyof typeof config, b: keyof typeof config): void => {
      if ((config[a] === undefined) === (config[b] === undefined)) ctx.addIssue({ code: 'custom', path: [a], message: `set exactly one of ${a} and ${b}` });
    };
    oneOf('SERVICEBUS_CONNECTION_STRING', 'SERVICEBUS_NAMESPACE');
    oneOf('TABLES_CONNECTION_STRING', 'TABLES_ENDPOINT');
    oneOf(SEALING_KEYS_ENV, 'SEALING_KEY_VAULT_URL');
    if (config.NOTIFIER_CHANNEL_ORDER.includes('sms') && config.ACS_SMS_FROM === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ACS_SMS_FROM'], message: 'is required while NOTIFIER_CHANNEL_ORDER lists sms' });
    }
    if (new Set(config.NOTIFIER_CHANNEL_ORDER).size !== config.NOTIFIER_CHANNEL_ORDER.length) {
      ctx.addIssue({ code: 'custom', path: ['NOTIFIER_CHANNEL_ORDER'], message: 'must not list a channel twice' });
    }
    if (config.NOTIFIER_PROVIDER_RETRY_BUDGET_MS + config.ACS_EMAIL_POLL_TIMEOUT_MS >= config.NOTIFIER_LOCK_RENEWAL_MAX_MS && config.NOTIFIER_LOCK_RENEWAL_MAX_MS > 0) {
      ctx.addIssue({ code: 'custom', path: ['NOTIFIER_PROVIDER_RETRY_BUDGET_MS'], message: 'plus ACS_EMAIL_POLL_TIMEOUT_MS must stay below NOTIFIER_LOCK_RENEWAL_MAX_MS' });
    }
    if (!/endpoint=/i.test(config.ACS_CONNECTION_STRING) || !/accesskey=/i.test(config.ACS_CONNECTION_STRING)) {
      ctx.addIssue({ code: 'custom', path: ['ACS_CONNECTION_STRING'], message: 'must be an ACS connection string (endpoint=...;accesskey=...)' });
    }
  });

export type NotifierConfig = z.output<typeof notifierConfigSchema>;

/** The SDKs refuse http:// unless told; allow it only for loopback stand-ins (toolchain gotcha 5). */
export function isLoopbackHttp(connectionStringOrUrl: string): boolean {
  return /(?:^|endpoint=)http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(connectionStringOrUrl);
}
