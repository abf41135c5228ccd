// The real stand-ins as separate processes for the worker's integration, crash and bench runs:
// Azurite (tables), the Service Bus emulator, the tenant simulator, and the worker itself (its bin,
// configured through env vars exactly as the local stack runs it). Each waits for a readiness
// line or probe with a deadline; nothing sleeps for a fixed time to synchronise.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnEmulator } from '@tapline/servicebus-emulator';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const AZURITE = here('../node_modules/.bin/azurite-table');
const SIMULATOR = here('../node_modules/@tapline/tenant-simulator/bin/tenant-simulator.js');
const WORKER = here('../bin/worker.js');
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, deadlineMs = 30_000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let i = 0; i < 100_000; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
}

interface Spawned {
  readonly child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Spawned {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    output: () => output,
    exited: () => exit,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const result = await exit;
        clearTimeout(timer);
        return result;
      }
      return exit;
    },
  };
}

async function readyLine(p: Spawned, pattern: RegExp, what: string, deadlineMs = 30_000): Promise<RegExpExecArray> {
  return waitFor(what, () => {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${what} exited early:\n${p.output().slice(-4000)}`);
    return Promise.resolve(pattern.exec(p.output()) ?? undefined);
  }, deadlineMs, 50);
}

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

  const tablePort = await freePort();
  const azurite = spawnProcess(AZURITE, ['--inMemoryPersistence', '--tableHost', '127.0.0.1', '--tablePort', String(tablePort), '--silent', '--disableTelemetry', '--skipApiVersionCheck']);
  const simulator = spawnProcess(process.execPath, [SIMULATOR, '--port', '0', ...(options.simulatorArgs ?? [])]);
  const [emulator, sim] = await Promise.all([
    spawnEmulator({ topology: topologyFile }),
    readyLine(simulator, /ready url=(\S+).*?identity-header=(\S+)/, 'tenant-simulator'),
    waitFor('azurite', async () => {
      try {
        await fetch(`http://127.0.0.1:${tablePort}/devstoreaccount1/Tables`, { signal: AbortSignal.timeout(500) });
        return true;
      } catch {
        if (azurite.child.exitCode !== null) throw new Error(`azurite exited: ${azurite.output()}`);
        return undefined;
      }
    }),
  ]);
  const simUrl = sim[1]!;
  // The identity reports service allows 5 audit-log reads per 10 s: far too few for a test run
  // that reads one per request (the worker's own GRAPH_REPORTS_BUDGET is raised to match).
  await fetch(`${simUrl}/_sim/throttle`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ reportsRequests: 10_000 }) });
  return {
    tablesConnectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${tablePort}/devstoreaccount1;`,
    serviceBusConnectionString: emulator.connectionString,
    emulator,
    simUrl,
    identityHeader: sim[2]!,
    sealingKeys: `k1:${randomBytes(32).toString('base64')}`,
    topologyFile,
    async sim<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${simUrl}/_sim/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? (method === 'GET' || method === 'DELETE' ? undefined : '{}') : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async queueCounts(name) {
      const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${name}`, { signal: AbortSignal.timeout(5_000) });
      return (await res.json()) as { active: number; scheduled: number; deadLettered: number; locked: number };
    },
    async stop() {
      await Promise.all([emulator.stop(), simulator.stop(), azurite.stop()]);
    },
  };
}

export interface WorkerProcess extends Spawned {
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
    WORKER_METRICS_PORT: '0',
    WORKER_TARGET_COOLDOWN_MINUTES: '0',
    WORKER_REQUESTOR_DAILY_QUOTA: '10000',
    WORKER_INPROCESS_BASE_DELAY_MS: '50',
    WORKER_INPROCESS_MAX_DELAY_MS: '1000',
    WORKER_RETRY_BASE_DELAY_MS: '1000',
    WORKER_RETRY_CAP_MS: '5000',
    GRAPH_REPORTS_BUDGET: '1000',
    LOG_LEVEL: 'warn',
    ...overrides,
  };
}

export async function startWorker(env: NodeJS.ProcessEnv, nodeArgs: readonly string[] = []): Promise<WorkerProcess> {
  const p = spawnProcess(process.execPath, [...nodeArgs, WORKER], env);
  const m = await readyLine(p, /worker ready(?: metrics=(\S+))?/, 'worker');
  const metricsUrl = m[1];
  return {
    ...p,
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
