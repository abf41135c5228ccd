// The worker's composition root (STYLE practice 2): parse the configuration, build the adapters,
// start the consumer, and stop cleanly (stop receiving, let in-flight messages finish within a
// deadline, close). Nothing runs at import.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { ConfigError, parseConfig } from '@tapline/config';
import { createCredential, createGraphAdapters } from '@tapline/graph';
import type { TokenCredential } from '@azure/identity';
import { createTableLedger, createTableWatchStore } from '@tapline/ledger';
import { createQueueSender, createServiceBus, observeQueues, startConsumer } from '@tapline/messaging';
import { createLogger, metricIntervalMs, registerSecret, serveMetrics, startTelemetry } from '@tapline/observability';
import { SEALING_ACTIVE_KID_ENV, SEALING_KEYS_ENV, createKeyRing, keyVaultKeySource, loadKeyRing, parseSealingKeys, secretClientReader } from '@tapline/sealing';
import type { KeyRing } from '@tapline/sealing';
import { eligibilityPolicyOf, retryScheduleOf, workerConfigSchema } from './config.js';
import type { WorkerConfig } from './config.js';
import { createAuditFeed } from './audit-feed.js';
import { crashHookFor } from './crash-hook.js';
import { createDirectoryWatch } from './directory-watch.js';
import { createRequestHandler, decodeRequestMessage } from './handler.js';
import { LOG, error, info, warn } from './logs.js';
import { createMetrics } from './metrics.js';
import type { WorkerDeps } from './ports.js';

export interface RunningWorker {
  /** The bound /metrics port, when enabled. */
  readonly metricsPort: number | undefined;
  stop(): Promise<void>;
}

export async function main(environment: NodeJS.ProcessEnv = process.env): Promise<RunningWorker> {
  let config: WorkerConfig;
  try {
    config = parseConfig(workerConfigSchema, environment);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    error(createLogger({ name: 'worker' }), LOG.configInvalid, { issues: err.issues.map((i) => `${i.name}: ${i.reason}`).join('; ') });
    process.exitCode = 2;
    throw err;
  }
  const logger = createLogger({ name: 'worker', level: config.LOG_LEVEL });
  const telemetry = await startTelemetry({ serviceName: 'tapline-worker', env: environment, prometheus: config.WORKER_METRICS_PORT !== undefined });
  if (config.WORKER_TOPOLOGY_FILE !== undefined) checkTopology(config);

  const credential = createCredential(config.GRAPH_CREDENTIAL === 'managed-identity'
    ? { kind: 'managed-identity', ...(config.GRAPH_MANAGED_IDENTITY_CLIENT_ID !== undefined && { clientId: config.GRAPH_MANAGED_IDENTITY_CLIENT_ID }) }
    : { kind: 'default', ...(config.GRAPH_MANAGED_IDENTITY_CLIENT_ID !== undefined && { managedIdentityClientId: config.GRAPH_MANAGED_IDENTITY_CLIENT_ID }) });
  const keyRing = await keyRingFrom(config, credential);
  const tables = {
    ...(config.TABLES_CONNECTION_STRING !== undefined ? { connectionString: config.TABLES_CONNECTION_STRING } : { endpoint: config.TABLES_ENDPOINT!, credential }),
    ...(config.TABLES_PREFIX !== undefined && { tablePrefix: config.TABLES_PREFIX }),
  };
  const ledger = await createTableLedger(tables);
  const watchStore = await createTableWatchStore(tables);
  const bus = createServiceBus(config.SERVICEBUS_CONNECTION_STRING !== undefined
    ? { connectionString: config.SERVICEBUS_CONNECTION_STRING }
    : { fullyQualifiedNamespace: config.SERVICEBUS_NAMESPACE!, credential });
  const deliveries = createQueueSender(bus, config.WORKER_DELIVERIES_QUEUE);
  const metrics = createMetrics();
  const graph = createGraphAdapters({
    baseUrl: config.GRAPH_BASE_URL,
    credential,
    scope: config.GRAPH_SCOPE,
    requestTimeoutMs: config.GRAPH_TIMEOUT_MS,
    writeBudget: { requests: config.GRAPH_WRITE_BUDGET, windowMs: config.GRAPH_WRITE_WINDOW_MS },
    reportsBudget: { requests: config.GRAPH_REPORTS_BUDGET, windowMs: config.GRAPH_REPORTS_WINDOW_MS },
    policyTtlMs: config.GRAPH_POLICY_TTL_MS,
    onSecret: (secret) => {
      registerSecret(secret);
    },
    onThrottled: () => metrics.graphThrottled(),
  });

  // The directory watch runs in the worker process, once per deployment: every worker competes for
  // its lease in the ledger (docs/decisions.md).
  const now = () => new Date();
  const quarantineMs = config.WORKER_MANAGER_CHANGE_QUARANTINE_HOURS * 3_600_000;
  const watch = createDirectoryWatch({
    store: watchStore,
    feed: graph.changes,
    owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    competes: config.WORKER_WATCH_ENABLED && quarantineMs > 0,
    settings: { pollIntervalMs: config.WORKER_WATCH_POLL_MS, leaseTtlMs: config.WORKER_WATCH_LEASE_TTL_MS, tickMs: config.WORKER_WATCH_TICK_MS },
    log: logger,
    now,
    onRound: () => metrics.watchRound(),
  });
  const auditFeed = createAuditFeed(graph.changes, {
    refreshMs: config.WORKER_AUDIT_REFRESH_MS, quarantineMs, latencyMs: config.WORKER_AUDIT_LATENCY_SECONDS * 1000,
  }, now, () => metrics.auditRead());

  const deps: WorkerDeps = {
    directory: graph.directory,
    assignmentRequests: graph.assignmentRequests,
    history: {
      watch,
      store: watchStore,
      audit: auditFeed,
      settings: {
        quarantineMs,
        auditLatencyMs: config.WORKER_AUDIT_LATENCY_SECONDS * 1000,
        freshnessMs: config.WORKER_WATCH_FRESHNESS_MS,
        waitMs: config.WORKER_WATCH_WAIT_MS,
      },
    },
    tapIssuer: graph.tapIssuer,
    ledger,
    deliveries,
    sealer: keyRing,
    metrics,
    settings: {
      eligibility: eligibilityPolicyOf(config),
      tapLifetimeMinutes: config.WORKER_TAP_LIFETIME_MINUTES,
      tapIsUsableOnce: config.WORKER_TAP_USABLE_ONCE,
      leaseTtlMs: config.WORKER_LEASE_TTL_MS,
      retrySchedule: retryScheduleOf(config),
      requestLookup: { attempts: config.WORKER_REQUEST_LOOKUP_ATTEMPTS, delayMs: config.WORKER_REQUEST_LOOKUP_DELAY_MS },
      inProcessRetryBudgetMs: config.WORKER_INPROCESS_RETRY_BUDGET_MS,
      inProcessBaseDelayMs: config.WORKER_INPROCESS_BASE_DELAY_MS,
      inProcessMaxDelayMs: config.WORKER_INPROCESS_MAX_DELAY_MS,
      requestsQueue: config.WORKER_REQUESTS_QUEUE,
      deliveriesQueue: config.WORKER_DELIVERIES_QUEUE,
    },
    onSecret: (secret) => {
      registerSecret(secret);
    },
    crash: crashHookFor(config.TAPLINE_CRASH_AT, (point) => warn(logger, LOG.crashHook, { point })),
    now,
    random: Math.random,
  };
  watch.start();

  const consumer = startConsumer({
    bus,
    queue: config.WORKER_REQUESTS_QUEUE,
    maxConcurrentCalls: config.WORKER_CONCURRENCY,
    decode: decodeRequestMessage,
    handle: createRequestHandler(deps),
    logger,
    ...(config.WORKER_LOCK_RENEWAL_MAX_MS > 0 && { lockRenewal: { maxDurationMs: config.WORKER_LOCK_RENEWAL_MAX_MS } }),
  });
  metrics.observeGraph(graph.stats, () => graph.writeLimiter.rateFraction());
  const queues = observeQueues(bus, [config.WORKER_REQUESTS_QUEUE], metricIntervalMs(environment));
  // For the stop line in the log; the same figures are exported as metrics.
  const gauges = () => {
    const s = graph.stats();
    return {
      graph_calls: s.calls, graph_calls_throttled: s.throttled, graph_calls_failed: s.failed, graph_writes: s.writes,
      graph_write_rate_fraction: graph.writeLimiter.rateFraction(),
      consumer_completed: consumer.counters.completed, consumer_dead_lettered: consumer.counters.deadLettered,
      consumer_retried: consumer.counters.retried, consumer_abandoned: consumer.counters.abandoned,
      process_cpu_microseconds: process.cpuUsage().user + process.cpuUsage().system,
    };
  };
  const server = telemetry.prometheusHandler === undefined || config.WORKER_METRICS_PORT === undefined
    ? undefined
    : await serveMetrics(telemetry.prometheusHandler, config.WORKER_METRICS_PORT);
  if (server) info(logger, LOG.metricsListening, { port: server.port });
  info(logger, LOG.started, {
    queue: config.WORKER_REQUESTS_QUEUE, deliveries: config.WORKER_DELIVERIES_QUEUE, concurrency: config.WORKER_CONCURRENCY,
    writeBudget: config.GRAPH_WRITE_BUDGET, writeWindowMs: config.GRAPH_WRITE_WINDOW_MS, crashHook: config.TAPLINE_CRASH_AT !== undefined,
  });

  let stopping: Promise<void> | undefined;
  return {
    metricsPort: server?.port,
    stop() {
      stopping ??= (async () => {
        info(logger, LOG.stopping, { deadlineMs: config.WORKER_SHUTDOWN_DEADLINE_MS });
        const result = await consumer.stop({ deadlineMs: config.WORKER_SHUTDOWN_DEADLINE_MS });
        // Released, not left to expire: another worker takes the watch over at once.
        await watch.stop();
        await deliveries.close();
        await bus.close();
        queues.stop();
        await server?.close();
        info(logger, LOG.stopped, { drained: result.drained, unfinished: result.unfinished, ...gauges() });
        await telemetry.shutdown();
      })();
      return stopping;
    },
  };
}

async function keyRingFrom(config: WorkerConfig, credential: TokenCredential): Promise<KeyRing> {
  const activeKid = config[SEALING_ACTIVE_KID_ENV];
  if (config.SEALING_KEY_VAULT_URL !== undefined) {
    return loadKeyRing(keyVaultKeySource({ activeKid, reader: secretClientReader(config.SEALING_KEY_VAULT_URL, credential) }));
  }
  return createKeyRing({ activeKid, keys: parseSealingKeys(config[SEALING_KEYS_ENV]!) });
}

/** DESIGN section 5: the services validate their queue names against infra/topology.json. */
function checkTopology(config: WorkerConfig): void {
  const topology = JSON.parse(readFileSync(config.WORKER_TOPOLOGY_FILE!, 'utf8')) as { queues?: Record<string, unknown> };
  for (const queue of [config.WORKER_REQUESTS_QUEUE, config.WORKER_DELIVERIES_QUEUE]) {
    if (!topology.queues || !(queue in topology.queues)) {
      throw new ConfigError([{ name: 'WORKER_TOPOLOGY_FILE', reason: `declares no queue ${queue}` }]);
    }
  }
}
