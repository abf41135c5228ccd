// The intake's configuration: one zod schema, env names declared once (here), parsed in main()
// through @tapline/config. The same names are app settings in Azure and env vars locally.
import { z } from 'zod';
import { env } from '@tapline/config';
import { DEFAULT_ELIGIBILITY_POLICY, PRE_EXPIRATION_STAGES, REQUEST_STAGES, REQUEST_TYPES, isGuid } from '@tapline/domain';

const guid = z.string().refine(isGuid, { error: 'must be a GUID' });
const httpUrl = () => env.url({ protocols: ['https:', 'http:'] });

export const intakeConfigSchema = z
  .object({
    // Service Bus: a connection string (local emulator), or the namespace reached with the Function
    // App's user-assigned managed identity (Azure, where the namespace has local auth off).
    SERVICEBUS_CONNECTION_STRING: env.string().optional(),
    SERVICEBUS_NAMESPACE: env.string({ max: 260 }).optional(),
    INTAKE_MANAGED_IDENTITY_CLIENT_ID: env.string().pipe(guid).optional(),
    INTAKE_QUEUE_NAME: env.string({ max: 260 }).default('tap-requests'),
    INTAKE_TENANT_ID: env.string().pipe(guid),
    INTAKE_AUDIENCE: env.list(z.string(), { min: 1, max: 10 }),
    INTAKE_ALLOWED_CALLERS: env.list(guid, { min: 1, max: 50 }),
    INTAKE_AUTHORITY_HOST: httpUrl().default('https://login.microsoftonline.com'),
    INTAKE_JWKS_URI: httpUrl().optional(),
    INTAKE_ISSUERS: env.list(httpUrl(), { min: 1, max: 10 }).optional(),
    INTAKE_CLOCK_SKEW_SECONDS: env.integer({ min: 0, max: 300 }).default(60),
    INTAKE_JWKS_COOLDOWN_MS: env.durationMs({ min: 1_000, max: 3_600_000 }).default(30_000),
    INTAKE_JWKS_CACHE_MAX_AGE_MS: env.durationMs({ min: 60_000, max: 86_400_000 }).default(3_600_000),
    INTAKE_JWKS_TIMEOUT_MS: env.durationMs({ min: 100, max: 5_000 }).default(500),
    INTAKE_TOKEN_CACHE_SIZE: env.integer({ min: 0, max: 100_000 }).default(1_000),
    INTAKE_TOKEN_CACHE_TTL_MS: env.durationMs({ min: 1_000, max: 3_600_000 }).default(600_000),
    // Defaults shared with the worker's eligibility check 1 (DEFAULT_ELIGIBILITY_POLICY).
    INTAKE_HANDLED_STAGES: env.list(z.string(), { min: 1 }).default([...DEFAULT_ELIGIBILITY_POLICY.handled.stages]),
    INTAKE_HANDLED_REQUEST_TYPES: env.list(z.string(), { min: 1 }).default([...DEFAULT_ELIGIBILITY_POLICY.handled.requestTypes]),
    INTAKE_BODY_LIMIT_BYTES: env.integer({ min: 1_024, max: 65_536 }).default(65_536),
    INTAKE_RETRY_AFTER_SECONDS: env.integer({ min: 1, max: 300 }).default(5),
    INTAKE_ENQUEUE_TIMEOUT_MS: env.durationMs({ min: 100, max: 5_000 }).default(800),
    INTAKE_HOST: env.string().default('127.0.0.1'),
    INTAKE_PORT: env.port().default(7071),
    LOG_LEVEL: env.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    if ((config.SERVICEBUS_CONNECTION_STRING === undefined) === (config.SERVICEBUS_NAMESPACE === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['SERVICEBUS_CONNECTION_STRING'], message: 'set exactly one of SERVICEBUS_CONNECTION_STRING and SERVICEBUS_NAMESPACE' });
    }
    if (config.INTAKE_MANAGED_IDENTITY_CLIENT_ID !== undefined && config.SERVICEBUS_NAMESPACE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['INTAKE_MANAGED_IDENTITY_CLIENT_ID'], message: 'only applies with SERVICEBUS_NAMESPACE' });
    }
    for (const stage of config.INTAKE_HANDLED_STAGES) {
      if ((PRE_EXPIRATION_STAGES as readonly string[]).includes(stage)) {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_STAGES'], message: "lists a pre-expiration stage, which has no requestor and cannot be handled" });
      } else if (!(REQUEST_STAGES as readonly string[]).includes(stage)) {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_STAGES'], message: `must list request stages (${REQUEST_STAGES.join(', ')})` });
      }
    }
    for (const type of config.INTAKE_HANDLED_REQUEST_TYPES) {
      if (!(REQUEST_TYPES as readonly string[]).includes(type) || type === 'unknownFutureValue') {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_REQUEST_TYPES'], message: 'must list Graph request types (onBehalfAdd, userAdd, ...)' });
      }
    }
  });

export type IntakeEnv = z.output<typeof intakeConfigSchema>;
