// The notifier's composition root (STYLE practice 2): parse the configuration, build the
// adapters, start the consumer, and stop cleanly on SIGTERM/SIGINT (stop receiving, let in-flight
// messages finish within a deadline, close).
import { parseConfig, ConfigError } from '@tapline/config';
import { DEFAULT_RETRY_SCHEDULE, isRetryable, type RetrySchedule } from '@tapline/domain';
import { createCredential, createGraphAdapters } from '@tapline/graph';
import { createTableLedger } from '@tapline/ledger';
import { createServiceBus, observeQueues, startConsumer } from '@tapline/messaging';
import { createLogger, metricIntervalMs, registerSecret, serveMetrics, startTelemetry } from '@tapline/observability';
import {
  createKeyRing, keyVaultKeySource, loadKeyRing, parseSealingKeys, secretClientReader, SEALING_ACTIVE_KID_ENV, SEALING_KEYS_ENV,
} from '@tapline/sealing';
import { createAcsEmailSender } from './acs-email.js';
import { createAcsSmsSender } from './acs-sms.js';
import { isLoopbackHttp, notifierConfigSchema, type NotifierConfig } from './config.js';
import { crashHookFor } from './crash-hook.js';
import { entraCallbackOn, managerDirectoryOn } from './graph-ports.js';
import { createHandler, decodeOutcomeMessage } from './handler.js';
import { LOG, info, warn, error } from './logs.js';
import type { Channel } from './channel-plan.js';
import { createMetrics, type NotifierMetrics } from './metrics.js';
import type { EmailSender, EntraCallback, RecipientOutcome, SmsSender } from './ports.js';
import { callProvider, type ProviderCallDeps, type RetryBudget } from './provider-call.js';
import { createRateGate, type RateGate } from './rate-gate.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export interface RunningNotifier {
  /** The bound /metrics port, when enabled. */
  readonly metricsPort: number | undefined;
  stop(): Promise<void>;
}

export async function main(environment: NodeJS.ProcessEnv = process.env): Promise<RunningNotifier> {
  let config: NotifierConfig;
  try {
    config = parseConfig(notifierConfigSchema, environment);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const logger = createLogger({ name: 'notifier' });
    error(logger, LOG.configInvalid, { issues: err.issues.map((i) => `${i.name}: ${i.reason}`).join('; ') });
    process.exitCode = 2;
    throw err;
  }
  const logger = createLogger({ name: 'notifier', level: config.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'tapline-notifier', env: environment, prometheus: config.NOTIFIER_METRICS_PORT !== undefined });

  // One identity for Graph, Service Bus, tables and Key Vault (the worker does the same).
  const credential = createCredential(config.GRAPH_CREDENTIAL === 'managed-identity'
    ? { kind: 'managed-identity', ...(config.GRAPH_MANAGED_IDENTITY_CLIENT_ID !== undefined && { clientId: config.GRAPH_MANAGED_IDENTITY_CLIENT_ID }) }
    : { kind: 'default', ...(config.GRAPH_MANAGED_IDENTITY_CLIENT_ID !== undefined && { managedIdentityClientId: config.GRAPH_MANAGED_IDENTITY_CLIENT_ID }) });
  const activeKid = config[SEALING_ACTIVE_KID_ENV];
  const keyRing = config.SEALING_KEY_VAULT_URL !== undefined
    ? await loadKeyRing(keyVaultKeySource({ activeKid, reader: secretClientReader(config.SEALING_KEY_VAULT_URL, credential) }))
    : createKeyRing({ activeKid, keys: parseSealingKeys(config[SEALING_KEYS_ENV]!) });
  const ledger = await createTableLedger({
    ...(config.TABLES_CONNECTION_STRING !== undefined ? { connectionString: config.TABLES_CONNECTION_STRING } : { endpoint: config.TABLES_ENDPOINT!, credential }),
    ...(config.TABLES_PREFIX !== undefined && { tablePrefix: config.TABLES_PREFIX }),
  });
  const bus = createServiceBus(config.SERVICEBUS_CONNECTION_STRING !== undefined
    ? { connectionString: config.SERVICEBUS_CONNECTION_STRING }
    : { fullyQualifiedNamespace: config.SERVICEBUS_NAMESPACE!, credential });
  const graph = createGraphAdapters({
    baseUrl: config.GRAPH_BASE_URL,
    credential,
    requestTimeoutMs: config.GRAPH_TIMEOUT_MS,
    // Graph's documented identity budgets; the notifier's only write is resume.
    writeBudget: { requests: 3000, windowMs: 150_000 },
    reportsBudget: { requests: 5, windowMs: 10_000 },
  });

  const now = (): number => Date.now();
  const insecure = isLoopbackHttp(config.ACS_CONNECTION_STRING);
  const budget: RetryBudget = { budgetMs: config.NOTIFIER_PROVIDER_RETRY_BUDGET_MS, baseBackoffMs: 500, maxBackoffMs: 8_000, maxAttempts: 8 };
  const metrics = createMetrics();
  const callDeps = (provider: string, gate?: ReturnType<typeof createRateGate>): ProviderCallDeps => ({
    ...(gate !== undefined && { gate }),
    now,
    sleep,
    random: Math.random,
    budget,
    onRetry: (err, waitMs, attempt) => {
      if (err.retryAfterMs !== undefined) metrics.providerThrottled(provider);
      info(logger, LOG.providerRetry, { provider, error: err.message, waitMs, attempt });
    },
  });

  // The schema requires a number whenever sms is a channel: without one, sms is never planned.
  const smsFrom = config.ACS_SMS_FROM;
  const smsAcs = smsFrom === undefined ? undefined : createAcsSmsSender({
    connectionString: config.ACS_CONNECTION_STRING, from: smsFrom, allowInsecureConnection: insecure,
    timeoutMs: config.ACS_TIMEOUT_MS, now,
  });
  const emailAcs = createAcsEmailSender({
    connectionString: config.ACS_CONNECTION_STRING, senderAddress: config.ACS_EMAIL_SENDER, allowInsecureConnection: insecure,
    timeoutMs: config.ACS_TIMEOUT_MS, pollIntervalMs: config.ACS_EMAIL_POLL_INTERVAL_MS, pollTimeoutMs: config.ACS_EMAIL_POLL_TIMEOUT_MS, now,
    onPollTimeout: () => warn(logger, LOG.emailPollTimeout),
  });
  const smsDeps = callDeps('acs-sms', countedGate(metrics, 'sms', createRateGate(config.NOTIFIER_SMS_PER_MINUTE, now, sleep)));
  const emailGate = countedGate(metrics, 'email', createRateGate(config.NOTIFIER_EMAIL_PER_MINUTE, now, sleep));
  const emailDeps = callDeps('acs-email', emailGate);
  const graphDeps = callDeps('graph');
  const sms: SmsSender = smsAcs === undefined
    ? { send: () => Promise.reject(new Error('SMS is not a channel of this deployment (no ACS_SMS_FROM)')) }
    : { send: (m) => countedSend(metrics, 'sms', () => callProvider(smsDeps, () => smsAcs.send(m))) };
  const email: EmailSender = { send: (m) => countedSend(metrics, 'email', () => callProvider(emailDeps, () => emailAcs.send(m))) };
  const entraOnGraph = entraCallbackOn(graph.entitlement);
  const entra: EntraCallback = { resume: (c) => callProvider(graphDeps, () => entraOnGraph.resume(c)) };

  const retrySchedule: RetrySchedule = {
    ...DEFAULT_RETRY_SCHEDULE,
    baseMs: config.NOTIFIER_RETRY_BASE_DELAY_MS,
    capMs: Math.max(DEFAULT_RETRY_SCHEDULE.capMs, config.NOTIFIER_RETRY_BASE_DELAY_MS),
    maxAttempts: config.NOTIFIER_RETRY_MAX_ATTEMPTS,
  };
  const handle = createHandler({
    ledger,
    opener: keyRing,
    sms,
    email,
    entra,
    managers: managerDirectoryOn(graph.directory),
    now: () => new Date(),
    managerNotices: config.NOTIFIER_MANAGER_NOTICES,
    emailBacklogMs: () => emailGate.backlogMs(),
    noticeMaxWaitMs: config.NOTIFIER_NOTICE_MAX_WAIT_MS,
    canDeferNotice: true,
    policy: {
      channelOrder: config.NOTIFIER_CHANNEL_ORDER,
      expirySafetyMarginMs: config.NOTIFIER_EXPIRY_MARGIN_MS,
      smsRepeatabilityWindowMs: config.ACS_SMS_REPEATABILITY_WINDOW_MS,
    },
    registerSecret: (secret) => {
      registerSecret(secret);
    },
    crash: crashHookFor(config.TAPLINE_CRASH_AT, (point) => warn(logger, LOG.crashHook, { point })),
    retrySchedule,
    random: Math.random,
    queue: config.NOTIFIER_QUEUE_NAME,
    metrics,
  });

  const consumer = startConsumer({
    bus,
    queue: config.NOTIFIER_QUEUE_NAME,
    maxConcurrentCalls: config.NOTIFIER_CONCURRENCY,
    decode: decodeOutcomeMessage,
    handle,
    logger,
    ...(config.NOTIFIER_LOCK_RENEWAL_MAX_MS > 0 && { lockRenewal: { maxDurationMs: config.NOTIFIER_LOCK_RENEWAL_MAX_MS } }),
  });
  const queues = observeQueues(bus, [config.NOTIFIER_QUEUE_NAME], metricIntervalMs(environment));
  const metricsServer = telemetry.prometheusHandler === undefined || config.NOTIFIER_METRICS_PORT === undefined
    ? undefined
    : await serveMetrics(telemetry.prometheusHandler, config.NOTIFIER_METRICS_PORT);
  if (metricsServer !== undefined) info(logger, LOG.metricsListening, { port: metricsServer.port });
  info(logger, LOG.started, {
    queue: config.NOTIFIER_QUEUE_NAME, concurrency: config.NOTIFIER_CONCURRENCY, channels: config.NOTIFIER_CHANNEL_ORDER.join(','),
    smsPerMinute: config.NOTIFIER_SMS_PER_MINUTE, emailPerMinute: config.NOTIFIER_EMAIL_PER_MINUTE, managerNotices: config.NOTIFIER_MANAGER_NOTICES,
    telemetry: telemetry.exporting,
  });

  let stopping: Promise<void> | undefined;
  return {
    metricsPort: metricsServer?.port,
    stop() {
      stopping ??= (async () => {
        info(logger, LOG.stopping, { deadlineMs: config.NOTIFIER_SHUTDOWN_DEADLINE_MS });
        const result = await consumer.stop({ deadlineMs: config.NOTIFIER_SHUTDOWN_DEADLINE_MS });
        await bus.close();
        queues.stop();
        await metricsServer?.close();
        info(logger, LOG.stopped, { drained: result.drained, unfinished: result.unfinished });
        await telemetry.shutdown();
      })();
      return stopping;
    },
  };
}

/** ACS sends by channel and outcome (a throw after the retries is `failed`, `throttled` when a 429 ended it). */
async function countedSend(metrics: NotifierMetrics, channel: Channel, send: () => Promise<RecipientOutcome>): Promise<RecipientOutcome> {
  try {
    const result = await send();
    metrics.acsSend(channel, result.status === 'accepted' ? 'accepted' : 'rejected');
    return result;
  } catch (err) {
    metrics.acsSend(channel, isRetryable(err) && err.retryAfterMs !== undefined ? 'throttled' : 'failed');
    throw err;
  }
}

/** Counts the sends that had to wait for the channel's rate gate. */
function countedGate(metrics: NotifierMetrics, channel: Channel, gate: RateGate): RateGate {
  return {
    ...gate,
    acquire() {
      if (gate.backlogMs() > 0) metrics.acsRateLimitWait(channel);
      return gate.acquire();
    },
  };
}
