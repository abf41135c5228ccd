// The real stand-ins as separate processes for the worker's integration, crash and bench runs:
// Azurite (tables), the Service Bus emulator, the tenant simulator, and the worker itself (its bin,
// configured through env vars exactly as the local stack runs it). Each waits for a readiness
// line or probe with a deadline; nothing sleeps for a fixed time to synchronise.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnEmulator } from '@tapline/servicebus-emulator';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import { spawnReady, startAzurite, startTenantSimulator } from '@tapline/test-harness';
import type { ReadyProcess } from '@tapline/test-harness';
import type { TapRequestMessage } from '@tapline/domain';
import { DEMO } from '@tapline/tenant-simulator/demo-org';

const WORKER = fileURLToPath(new URL('../bin/worker.js', import.meta.url));

export interface Stack {
  readonly tablesConnectionString: string;
  readonly serviceBusConnectionString: string;
  readonly emulator: SpawnedEmulator;
  readonly simUrl: string;
  readonly identityHeader: string;
  readonly sealingKeys: string;
  readonly topologyFile: string;
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  queueCounts(queue: string): Promise<{ active: number; scheduled: number; deadLettered: number; locked: number }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Lock duration of tap-requests (ISO 8601); short in crash tests so a dead worker's lock lapses fast. */
  readonly lockDuration?: string;
  readonly simulatorArgs?: readonly string[];
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'tapline-worker-'));
  const topologyFile = join(dir, 'topology.json');
  const queue = (lockDuration: string) => ({
    lockDuration, maxDeliveryCount: 10, requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT10M',
    defaultMessageTimeToLive: 'P14D', deadLetteringOnMessageExpiration: true, maxSizeInMegabytes: 1024,
  });
  writeFileSync(topologyFile, JSON.stringify({ queues: { 'tap-requests': queue(options.lockDuration ?? 'PT30S'), 'tap-deliveries': queue('PT30S') } }));

  const [emulator, simulator, azurite] = await Promise.all([
    spawnEmulator({ topology: topologyFile }),
    startTenantSimulator(options.simulatorArgs ?? []),
    startAzurite(),
  ]);
  const simUrl = simulator.url;
  // The identity reports service allows 5 audit-log reads per 10 s: far too few for a test run
  // that reads one per request (the worker's own GRAPH_REPORTS_BUDGET is raised to match).
  await fetch(`${simUrl}/_sim/throttle`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reportsRequests: 10_000 }) });
  return {
    tablesConnectionString: azurite.connectionString,
    serviceBusConnectionString: emulator.connectionString,
    emulator,
    simUrl,
    identityHeader: simulator.identityHeader,
    sealingKeys: `k1:${randomBytes(32).toString('base64')}`,
    topologyFile,
    sim: <T>(method: string, path: string, body?: unknown) => simulator.sim<T>(method, path, body),
    async queueCounts(name) {
      const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${name}`, { signal: AbortSignal.timeout(5_000) });
      return (await res.json()) as { active: number; scheduled: number; deadLettered: number; locked: number };
    },
    async stop() {
      await Promise.all([emulator.stop(), simulator.stop(), azurite.stop()]);
    },
  };
}

/**
 * What Entra does before it calls out: creates the access-package assignment request the message
 * names (requestor, target, the served package, the message's stage instance) in the simulator.
 */
export async function entraCreates(stack: Stack, msg: TapRequestMessage): Promise<void> {
  const res = await stack.sim('POST', 'assignment-requests', {
    id: msg.requestId, requestor: msg.requestorId, target: msg.targetId, stage: msg.stage, customExtensionStageInstanceId: msg.stageInstanceId,
  });
  if (res.status !== 201) throw new Error(`the simulator did not create the request (${res.status})`);
}

export interface WorkerProcess extends ReadyProcess {
  readonly metricsUrl: string | undefined;
  metric(name: string): Promise<number>;
}

/** The worker's environment for this stack: the same variables the local stack sets. */
export function workerEnv(stack: Stack, tablesPrefix: string, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { IDENTITY_ENDPOINT: _e, IDENTITY_HEADER: _h, TAPLINE_CRASH_AT: _c, ...base } = process.env;
  return {
    ...base,
    SERVICEBUS_CONNECTION_STRING: stack.serviceBusConnectionString,
    TABLES_CONNECTION_STRING: stack.tablesConnectionString,
    TABLES_PREFIX: tablesPrefix,
    TAPLINE_SEALING_KEYS: stack.sealingKeys,
    TAPLINE_SEALING_ACTIVE_KID: 'k1',
    GRAPH_BASE_URL: stack.simUrl,
    GRAPH_CREDENTIAL: 'managed-identity',
    IDENTITY_ENDPOINT: `${stack.simUrl}/msi/token`,
    IDENTITY_HEADER: stack.identityHeader,
    WORKER_TOPOLOGY_FILE: stack.topologyFile,
    WORKER_SERVED_ACCESS_PACKAGE_IDS: DEMO.tapAccessPackage.id,
    WORKER_METRICS_PORT: '0',
    WORKER_TARGET_COOLDOWN_MINUTES: '0',
    WORKER_REQUESTOR_DAILY_QUOTA: '10000',
    WORKER_INPROCESS_BASE_DELAY_MS: '50',
    WORKER_INPROCESS_MAX_DELAY_MS: '1000',
    WORKER_RETRY_BASE_DELAY_MS: '1000',
    WORKER_RETRY_CAP_MS: '5000',
    GRAPH_REPORTS_BUDGET: '1000',
    // The simulator publishes audit entries at once here: the watch is trusted after its first round.
    WORKER_AUDIT_LATENCY_SECONDS: '0',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

export async function startWorker(env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Promise<WorkerProcess> {
  const worker = await spawnReady({
    name: 'worker', command: process.execPath, args: [...nodeArgs, WORKER], env, inheritEnv: false,
    readyLine: /worker ready(?: metrics=(\S+))?/, stopGraceMs: 10_000,
  });
  const metricsUrl = worker.match[1];
  return {
    ...worker,
    metricsUrl,
    async metric(name) {
      if (!metricsUrl) throw new Error('the worker runs without /metrics');
      const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(5_000) })).text();
      let sum = 0;
      for (const line of text.split('\n')) {
        const match = /^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
        if (match && (match[1] === name || `${match[1]}${match[2] ?? ''}` === name)) sum += Number(match[3]);
      }
      return sum;
    },
  };
}
