// The composition root: configuration in, handlers out. Both entries (functions.ts for Azure,
// local-cli.ts for the local stack) call main(); nothing is parsed or connected at import.
import { ManagedIdentityCredential } from '@azure/identity';
import { parseConfig } from '@tapline/config';
import type { EligibilityPolicy } from '@tapline/domain';
import { createLogger } from '@tapline/observability';
import { createAuthenticator, entraIssuers } from './auth/authenticator.js';
import { remoteKeySet } from './auth/remote-key-set.js';
import { intakeConfigSchema } from './config.js';
import type { IntakeEnv } from './config.js';
import { logEvents } from './logs.js';
import type { Logger } from './logs.js';
import { createCountingMetrics } from './metrics.js';
import type { CountingMetrics } from './metrics.js';
import type { IntakePorts, IntakeSettings } from './ports.js';
import { createServiceBusRequestSender } from './queue/servicebus-sender.js';
import { bindRoutes } from './routes.js';
import type { BoundRoute } from './routes.js';

export interface Intake {
  readonly config: IntakeEnv;
  readonly routes: readonly BoundRoute[];
  readonly logger: Logger;
  readonly metrics: CountingMetrics;
  /** Connects to Service Bus ahead of the first request; logs and resolves false if it cannot yet. */
  warmUp(): Promise<boolean>;
  /** Closes the Service Bus connection. */
  close(): Promise<void>;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): IntakeEnv {
  return parseConfig(intakeConfigSchema, env);
}

export function settingsFrom(config: IntakeEnv): IntakeSettings {
  return {
    bodyLimitBytes: config.INTAKE_BODY_LIMIT_BYTES,
    // The schema's refinement has checked every entry against the domain's enums.
    handled: {
      stages: config.INTAKE_HANDLED_STAGES as EligibilityPolicy['handled']['stages'],
      requestTypes: config.INTAKE_HANDLED_REQUEST_TYPES as EligibilityPolicy['handled']['requestTypes'],
    },
    retryAfterSeconds: config.INTAKE_RETRY_AFTER_SECONDS,
    queueName: config.INTAKE_QUEUE_NAME,
  };
}

/** Wires the real adapters; any port can be replaced (tests, benchmarks). */
export function composeIntake(config: IntakeEnv, overrides: Partial<IntakePorts> = {}): Intake {
  const logger = overrides.logger ?? createLogger({ name: 'intake', level: config.LOG_LEVEL });
  const metrics = createCountingMetrics();
  const jwksUri = config.INTAKE_JWKS_URI ?? `${config.INTAKE_AUTHORITY_HOST.replace(/\/+$/, '')}/${config.INTAKE_TENANT_ID}/discovery/v2.0/keys`;
  const authenticator =
    overrides.authenticator ??
    createAuthenticator({
      tenantId: config.INTAKE_TENANT_ID,
      audiences: config.INTAKE_AUDIENCE,
      issuers: config.INTAKE_ISSUERS ?? entraIssuers(config.INTAKE_TENANT_ID),
      allowedCallers: config.INTAKE_ALLOWED_CALLERS,
      clockSkewSeconds: config.INTAKE_CLOCK_SKEW_SECONDS,
      cache: { maxEntries: config.INTAKE_TOKEN_CACHE_SIZE, ttlMs: config.INTAKE_TOKEN_CACHE_TTL_MS },
      keys: remoteKeySet({
        jwksUri,
        cooldownMs: config.INTAKE_JWKS_COOLDOWN_MS,
        cacheMaxAgeMs: config.INTAKE_JWKS_CACHE_MAX_AGE_MS,
        timeoutMs: config.INTAKE_JWKS_TIMEOUT_MS,
      }),
    });
  const sender =
    overrides.sender ??
    createServiceBusRequestSender({
      ...(config.SERVICEBUS_CONNECTION_STRING !== undefined
        ? { connectionString: config.SERVICEBUS_CONNECTION_STRING }
        : {
            fullyQualifiedNamespace: config.SERVICEBUS_NAMESPACE!,
            credential: config.INTAKE_MANAGED_IDENTITY_CLIENT_ID !== undefined
              ? new ManagedIdentityCredential({ clientId: config.INTAKE_MANAGED_IDENTITY_CLIENT_ID })
              : new ManagedIdentityCredential(),
          }),
      queueName: config.INTAKE_QUEUE_NAME,
      budgetMs: config.INTAKE_ENQUEUE_TIMEOUT_MS,
    });
  const ports: IntakePorts = {
    authenticator,
    sender,
    logger,
    metrics: overrides.metrics ?? metrics,
    settings: overrides.settings ?? settingsFrom(config),
    clock: overrides.clock ?? (() => new Date()),
  };
  const warmUp = async (): Promise<boolean> => {
    const started = performance.now();
    try {
      await sender.open();
      logger.info({ event: logEvents.queueConnected, durationMs: Math.round(performance.now() - started) }, 'connected to the request queue');
      return true;
    } catch (error) {
      // Not fatal: requests answer 503 until the broker is reachable, and each send retries.
      logger.warn({ event: logEvents.queueConnectFailed, error: error instanceof Error ? error.message : 'unknown' }, 'request queue not reachable yet');
      return false;
    }
  };
  return { config, routes: bindRoutes(ports), logger, metrics, warmUp, close: () => sender.close() };
}

export function main(env: NodeJS.ProcessEnv = process.env): Intake {
  return composeIntake(loadConfig(env));
}
