// The intake's configuration: one zod schema, env names declared once (here), parsed in main().
// The same names are app settings in Azure (infra/) and env vars for the local host.
import { z } from 'zod';
import { DEFAULT_ELIGIBILITY_POLICY, PRE_EXPIRATION_STAGES, REQUEST_STAGES, REQUEST_TYPES, isGuid } from '@tapline/domain';

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

const guid = z.string().trim().refine(isGuid, { error: 'must be a GUID' });
const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const url = z.url({ protocol: /^https?$/ });

export const intakeConfigSchema = z
  .object({
    SERVICEBUS_CONNECTION_STRING: z.string().trim().min(1, { error: 'is required' }),
    INTAKE_QUEUE_NAME: z.string().trim().min(1).default('tap-requests'),
    INTAKE_TENANT_ID: guid,
    INTAKE_AUDIENCE: z.string().transform(list).pipe(z.array(z.string()).min(1, { error: 'needs at least one audience' })),
    INTAKE_ALLOWED_CALLERS: z.string().transform(list).pipe(z.array(guid).min(1, { error: 'needs at least one caller application id' })),
    INTAKE_AUTHORITY_HOST: url.default('https://login.microsoftonline.com'),
    INTAKE_JWKS_URI: url.optional(),
    INTAKE_ISSUERS: z.string().transform(list).pipe(z.array(url)).optional(),
    INTAKE_CLOCK_SKEW_SECONDS: int(0, 300, 60),
    INTAKE_JWKS_COOLDOWN_MS: int(1_000, 3_600_000, 30_000),
    INTAKE_JWKS_CACHE_MAX_AGE_MS: int(60_000, 86_400_000, 3_600_000),
    INTAKE_JWKS_TIMEOUT_MS: int(100, 5_000, 500),
    // Defaults shared with the worker's eligibility check 1 (DEFAULT_ELIGIBILITY_POLICY).
    INTAKE_HANDLED_STAGES: z.string().default(DEFAULT_ELIGIBILITY_POLICY.handled.stages.join(',')).transform(list),
    INTAKE_HANDLED_REQUEST_TYPES: z.string().default(DEFAULT_ELIGIBILITY_POLICY.handled.requestTypes.join(',')).transform(list),
    INTAKE_BODY_LIMIT_BYTES: int(1_024, 65_536, 65_536),
    INTAKE_RETRY_AFTER_SECONDS: int(1, 300, 5),
    INTAKE_ENQUEUE_TIMEOUT_MS: int(100, 5_000, 800),
    INTAKE_HOST: z.string().default('127.0.0.1'),
    INTAKE_PORT: int(0, 65_535, 7071),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .superRefine((config, ctx) => {
    for (const stage of config.INTAKE_HANDLED_STAGES) {
      if ((PRE_EXPIRATION_STAGES as readonly string[]).includes(stage)) {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_STAGES'], message: `${stage} is a pre-expiration stage, which has no requestor and cannot be handled` });
      } else if (!(REQUEST_STAGES as readonly string[]).includes(stage)) {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_STAGES'], message: `${stage} is not a request stage (${REQUEST_STAGES.join(', ')})` });
      }
    }
    if (config.INTAKE_HANDLED_STAGES.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_STAGES'], message: 'needs at least one stage' });
    }
    for (const type of config.INTAKE_HANDLED_REQUEST_TYPES) {
      if (!(REQUEST_TYPES as readonly string[]).includes(type) || type === 'unknownFutureValue') {
        ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_REQUEST_TYPES'], message: `${type} is not a request type` });
      }
    }
    if (config.INTAKE_HANDLED_REQUEST_TYPES.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['INTAKE_HANDLED_REQUEST_TYPES'], message: 'needs at least one request type' });
    }
  });

export type IntakeEnv = z.infer<typeof intakeConfigSchema>;
