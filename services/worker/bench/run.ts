// `pnpm bench:worker`: the worker process against the local stand-ins with 2,000 requests.
//
// Phase 1 (throttled): every Graph limit the simulator enforces at its real value, scaled together
// by BENCH_RATE_SCALE (default 0.5, so the limiter and not the CPU of two shared cores sets the
// pace): resource units 8,000 per 10 s (a tenant of over 500 users), writes 3,000 per 150 s
// (20/s; the bucket shortened to BENCH_WINDOW_S, default 5 s, so the first window's saved-up
// burst does not swallow the run), audit-log reads 5 per 10 s. The worker is told the same write
// and audit budgets, and runs with the manager-change quarantine on (the directory watch and the
// tenant-wide audit read). Reports issued per second over the write budget (target >= 0.95), the
// share of Graph calls answered 429 (target <= 1%) and failures (target 0).
// Phase 2 (unthrottled): simulator throttling off, the worker's budget wide open. Reports requests
// per second and the worker's CPU milliseconds per request.
//
// Every process is real (emulator, Azurite, simulator, worker); the org is generated: 50 managers
// with 40 reports each, so 2,000 requests hit 2,000 distinct targets.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusMessage } from '@azure/service-bus';
import { SCHEMA_VERSION, encodeTapRequest } from '@tapline/domain';
import type { TapRequestMessage } from '@tapline/domain';
import { processCpuMs, waitFor } from '@tapline/test-harness';
import { entraCreates, startStack, startWorker, workerEnv } from '../test/stack.js';
import type { Stack, WorkerProcess } from '../test/stack.js';

const N = Number(process.env.BENCH_REQUESTS ?? 2000);
const SCALE = Number(process.env.BENCH_RATE_SCALE ?? 0.5);
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 5);
/** Graph's 3,000 writes per 150 s, as a budget per WINDOW_S at the scaled rate. */
const WRITES = Math.round((3000 / 150) * SCALE * WINDOW_S);
/** Graph's 5 audit reads per 10 s at the scaled rate: 5 per 10 / SCALE seconds. */
const REPORTS = 5;
const REPORTS_WINDOW_S = 10 / SCALE;
/** Graph's identity resource units for a tenant of over 500 users, per 10 s, scaled. */
const RESOURCE_UNITS = Math.round(8000 * SCALE);
/** The audit-log delay the simulator applies and the worker assumes; 0 skips the first-day wait (see docs/benchmarks.md). */
const AUDIT_LATENCY_S = Number(process.env.BENCH_AUDIT_LATENCY_S ?? 0);
const CONCURRENCY = process.env.BENCH_CONCURRENCY ?? '32';
const MANAGERS = 50;

function guid(n: number, kind: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${kind.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

/** The demo org's tenant, apps and policy, with a generated org chart. */
function benchOrg(dir: string): { path: string; pairs: Array<{ manager: string; target: string }> } {
  const demo = JSON.parse(readFileSync(fileURLToPath(new URL('../node_modules/@tapline/tenant-simulator/fixtures/demo-org.json', import.meta.url)), 'utf8')) as Record<string, unknown>;
  const users: Array<Record<string, unknown>> = [{ id: guid(0, 1), userPrincipalName: 'director@contoso.onmicrosoft.com', displayName: 'Director', mail: 'director@contoso.example' }];
  const pairs: Array<{ manager: string; target: string }> = [];
  const perManager = Math.ceil(N / MANAGERS);
  for (let m = 0; m < MANAGERS; m++) {
    const manager = guid(m + 1, 2);
    users.push({ id: manager, userPrincipalName: `manager${m}@contoso.onmicrosoft.com`, displayName: `Manager ${m}`, mail: `manager${m}@contoso.example`, manager: 'director' });
    for (let r = 0; r < perManager && pairs.length < N; r++) {
      const target = guid(m * 1000 + r + 1, 3);
      users.push({
        id: target, userPrincipalName: `user${m}x${r}@contoso.onmicrosoft.com`, displayName: `User ${m}/${r}`, mail: `user${m}x${r}@contoso.example`,
        manager: `manager${m}`, phoneMethods: { mobile: `+1 42555${String(10000 + pairs.length).slice(-5)}` },
      });
      pairs.push({ manager, target });
    }
  }
  const path = join(dir, 'bench-org.json');
  writeFileSync(path, JSON.stringify({ ...demo, groups: [], users }));
  return { path, pairs };
}

function requests(pairs: ReadonlyArray<{ manager: string; target: string }>): TapRequestMessage[] {
  return pairs.map(({ manager, target }) => ({
    schemaVersion: SCHEMA_VERSION, requestId: randomUUID(), stageInstanceId: randomUUID(), stage: 'assignmentRequestApproved',
    requestType: 'onBehalfAdd', requestorId: manager, targetId: target, accessPackageId: randomUUID(), receivedAt: new Date().toISOString(), attempt: 1,
  }));
}

async function enqueue(stack: Stack, msgs: readonly TapRequestMessage[]): Promise<void> {
  // Entra creates each request before it calls out; the worker reads it back first (check 0).
  for (let i = 0; i < msgs.length; i += 20) await Promise.all(msgs.slice(i, i + 20).map((m) => entraCreates(stack, m)));
  const client = new ServiceBusClient(stack.serviceBusConnectionString);
  const sender = client.createSender('tap-requests');
  try {
    for (let i = 0; i < msgs.length; i += 100) {
      const batch: ServiceBusMessage[] = msgs.slice(i, i + 100).map((m) => ({
        body: Buffer.from(encodeTapRequest(m), 'utf8'), contentType: 'application/json', messageId: m.stageInstanceId, correlationId: m.requestId,
      }));
      await sender.sendMessages(batch);
    }
  } finally {
    await sender.close();
    await client.close();
  }
}

interface PhaseResult {
  readonly seconds: number;
  readonly issued: number;
  readonly failures: number;
  readonly graphCalls: number;
  readonly graphThrottled: number;
  readonly watchRounds: number;
  readonly auditReads: number;
  readonly cpuMs: number;
  /** [seconds since start, issued so far] samples. */
  readonly samples: ReadonlyArray<readonly [number, number]>;
}

async function runPhase(worker: WorkerProcess, total: number, deadlineMs: number): Promise<PhaseResult> {
  const started = Date.now();
  const cpu0 = processCpuMs(worker.child.pid);
  const samples: Array<[number, number]> = [];
  await waitFor(async () => {
    const issued = await worker.metric('tap_issued_total');
    samples.push([(Date.now() - started) / 1000, issued]);
    const done = issued + (await worker.metric('tap_denied_total')) + (await worker.metric('tap_refused_total')) + (await worker.metric('tap_dead_lettered_total'));
    return done >= total ? true : undefined;
  }, { timeoutMs: deadlineMs, intervalMs: 250, description: `${total} requests settled` });
  const seconds = (Date.now() - started) / 1000;
  return {
    seconds,
    issued: await worker.metric('tap_issued_total'),
    // The OpenTelemetry names as the Prometheus exporter writes them (metric-names.ts).
    failures: await worker.metric('tap_dead_lettered_total'),
    graphCalls: await worker.metric('graph_calls_total'),
    graphThrottled: await worker.metric('graph_throttled_total'),
    watchRounds: await worker.metric('tap_watch_rounds_total'),
    auditReads: await worker.metric('graph_audit_reads_total'),
    cpuMs: processCpuMs(worker.child.pid) - cpu0,
    samples,
  };
}

/** Seconds at which the issued count first reached `count` (linear between samples). */
function timeAt(samples: ReadonlyArray<readonly [number, number]>, count: number): number {
  for (let i = 1; i < samples.length; i++) {
    const [t1, c1] = samples[i]!;
    const [t0, c0] = samples[i - 1]!;
    if (c1 >= count) return c1 === c0 ? t1 : t0 + ((count - c0) / (c1 - c0)) * (t1 - t0);
  }
  return samples[samples.length - 1]![0];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tapline-bench-'));
  const org = benchOrg(dir);
  process.stdout.write(`bench:worker: ${N} requests, ${org.pairs.length} targets, concurrency ${CONCURRENCY}; starting the stand-ins...\n`);
  const stack = await startStack({ simulatorArgs: ['--org', org.path, '--audit-latency', String(AUDIT_LATENCY_S)] });
  const quarantine = { WORKER_AUDIT_LATENCY_SECONDS: String(AUDIT_LATENCY_S), WORKER_MANAGER_CHANGE_QUARANTINE_HOURS: '24' };
  try {
    // Phase 1: every Graph limit at its real value scaled by SCALE, on both sides.
    const budgetPerSecond = WRITES / WINDOW_S;
    await stack.sim('PATCH', 'throttle', {
      enabled: true, resourceUnits: RESOURCE_UNITS, resourceUnitWindowSeconds: 10, writes: WRITES, writeWindowSeconds: WINDOW_S,
      reportsRequests: REPORTS, reportsWindowSeconds: REPORTS_WINDOW_S,
    });
    await enqueue(stack, requests(org.pairs));
    const throttledWorker = await startWorker(workerEnv(stack, 'bencha', {
      WORKER_CONCURRENCY: CONCURRENCY, GRAPH_WRITE_BUDGET: String(WRITES), GRAPH_WRITE_WINDOW_MS: String(WINDOW_S * 1000),
      GRAPH_REPORTS_BUDGET: String(REPORTS), GRAPH_REPORTS_WINDOW_MS: String(REPORTS_WINDOW_S * 1000), LOG_LEVEL: 'error', ...quarantine,
    }));
    const p1 = await runPhase(throttledWorker, N, (N / budgetPerSecond) * 3000 + 120_000);
    if (process.env.BENCH_DEBUG) {
      process.stdout.write(await (await fetch(throttledWorker.metricsUrl!)).text());
      process.stdout.write(`${throttledWorker.lines.filter((l) => /abandon|error/i.test(l)).slice(0, 20).join('\n')}\n`);
    }
    await throttledWorker.stop();
    // Steady state: the second half of the run, long after the bucket's initial burst (one full
    // window of writes, saved up before the first request) is spent.
    const half = Math.floor(p1.issued / 2);
    const steadyRate = (p1.issued - half) / (timeAt(p1.samples, p1.issued) - timeAt(p1.samples, half));
    const overallRate = p1.issued / timeAt(p1.samples, p1.issued);

    // Phase 2: no throttling anywhere.
    await stack.sim('PATCH', 'throttle', { enabled: false });
    await enqueue(stack, requests(org.pairs));
    const freeWorker = await startWorker(workerEnv(stack, 'benchb', {
      WORKER_CONCURRENCY: CONCURRENCY, GRAPH_WRITE_BUDGET: '1000000', GRAPH_WRITE_WINDOW_MS: '1000', GRAPH_REPORTS_BUDGET: '1000000', LOG_LEVEL: 'error',
      ...quarantine,
    }), process.env.BENCH_PROFILE !== undefined ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []);
    // BENCH_PROFILE=<dir>: a V8 CPU profile of the unthrottled worker (written when it stops).
    const p2 = await runPhase(freeWorker, N, 600_000);
    if (process.env.BENCH_DEBUG) process.stdout.write(await (await fetch(freeWorker.metricsUrl!)).text());
    await freeWorker.stop();

    const lines = [
      `throttled: ${N} requests; simulator limits x${SCALE}: writes ${WRITES} per ${WINDOW_S} s (${budgetPerSecond.toFixed(1)}/s), resource units ${RESOURCE_UNITS} per 10 s, audit reads ${REPORTS} per ${REPORTS_WINDOW_S} s; worker told the same; quarantine on (24 h, audit latency ${AUDIT_LATENCY_S} s)`,
      `  issued ${p1.issued} in ${p1.seconds.toFixed(1)} s; steady (second half) issued/s ${steadyRate.toFixed(2)} / budget ${budgetPerSecond.toFixed(2)} = ${(steadyRate / budgetPerSecond).toFixed(3)} (overall incl. the first window's burst: ${(overallRate / budgetPerSecond).toFixed(3)})`,
      `  Graph calls ${p1.graphCalls}, answered 429: ${p1.graphThrottled} (${pct(p1.graphThrottled / Math.max(1, p1.graphCalls))}); failures ${p1.failures}; directory watch rounds ${p1.watchRounds}, audit-log reads ${p1.auditReads}`,
      `unthrottled: ${N} requests, concurrency ${CONCURRENCY}`,
      `  ${(N / p2.seconds).toFixed(1)} requests/s (${p2.seconds.toFixed(1)} s from worker ready to the last settled); worker CPU ${(p2.cpuMs / N).toFixed(2)} ms per request; failures ${p2.failures}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    process.stdout.write(`${JSON.stringify({
      requests: N, scale: SCALE, writeBudget: { writes: WRITES, windowSeconds: WINDOW_S }, reportsBudget: { requests: REPORTS, windowSeconds: REPORTS_WINDOW_S },
      resourceUnits: RESOURCE_UNITS, auditLatencySeconds: AUDIT_LATENCY_S, concurrency: Number(CONCURRENCY),
      throttled: {
        issued: p1.issued, seconds: p1.seconds, steadyIssuedPerSecond: steadyRate, ratioToBudget: steadyRate / budgetPerSecond, overallRatio: overallRate / budgetPerSecond,
        graphCalls: p1.graphCalls, graph429: p1.graphThrottled, share429: p1.graphThrottled / Math.max(1, p1.graphCalls), failures: p1.failures,
        watchRounds: p1.watchRounds, auditReads: p1.auditReads,
      },
      unthrottled: { seconds: p2.seconds, requestsPerSecond: N / p2.seconds, cpuMsPerRequest: p2.cpuMs / N, failures: p2.failures },
    })}\n`);
  } finally {
    await stack.stop();
  }
}

await main();
