// `pnpm bench:intake`: the intake's local host over loopback HTTP against the Service Bus emulator
// (each its own process, plus the tenant simulator for the relay token), at concurrency 1 and 32;
// in the same run, a bare SDK send to the same emulator (the ratio the issue asks for) and the
// floor server (floor-server.ts: the same HTTP and Service Bus parts with none of the intake's own
// work), and a second intake exporting traces and metrics over OTLP/HTTP to the telemetry
// stand-in (what `pnpm start` runs), measured in alternating rounds with the intake so all see
// the same machine; the throughput the telemetry costs is printed.
// Bounded counts only. docs/benchmarks.md, section Intake, explains the figures. Diagnostics:
// BENCH_PROFILE_DIR, BENCH_INTAKE_NODE_ARGS, BENCH_KEEP_LOG (intake), BENCH_EMULATOR_NODE_ARGS
// (`--trace-gc` there prints the emulator's GC pauses), BENCH_TRACE (per-request latencies).
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { freePort, spawnReady, waitFor } from '@tapline/test-harness';
import { adminUrlOf, intakeEnv, serviceDir, startEmulator, startTenantSimulator } from '../test/helpers/stack.js';
import { callout } from '../test/helpers/callouts.js';
import { startTelemetryStandIn } from '@tapline/telemetry-stand-in';
import { connect, postRequest } from './http-load.js';
import type { Connection } from './http-load.js';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const PER_ROUND = Number(process.env.BENCH_CONCURRENT ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 32;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4_000);
const BARE_SENDS = 500;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const TARGET_RPS = 1_000;
const TARGET_P99_MS = 25;
const TARGET_TELEMETRY_LOSS = 0.1;

/** CPU time (user + system) of another process, in ms, from /proc (Linux; clock ticks of 10 ms). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

interface Server {
  readonly name: string;
  readonly url: URL;
  readonly pid: number | undefined;
}

interface Phase {
  readonly requests: number;
  readonly seconds: number;
  /** Sorted. */
  readonly latenciesMs: number[];
  readonly statuses: Map<number, number>;
  /** CPU ms per request of the server under test, the emulator and this client. */
  readonly cpu: { server: number; emulator: number; client: number };
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const fmt = (n: number) => n.toFixed(2);
/** BENCH_TRACE=<file>: one line per request (server, phase size, start ms into the phase, latency ms). */
const trace: string[] = [];

function pooled(phases: readonly Phase[]): Phase {
  const statuses = new Map<number, number>();
  for (const p of phases) for (const [s, n] of p.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
  const requests = phases.reduce((n, p) => n + p.requests, 0);
  const weighted = (pick: (p: Phase) => number) => phases.reduce((sum, p) => sum + pick(p) * p.requests, 0) / requests;
  return {
    requests,
    seconds: phases.reduce((s, p) => s + p.seconds, 0),
    latenciesMs: phases.flatMap((p) => p.latenciesMs).sort((a, b) => a - b),
    statuses,
    cpu: { server: weighted((p) => p.cpu.server), emulator: weighted((p) => p.cpu.emulator), client: weighted((p) => p.cpu.client) },
  };
}

async function main(): Promise<void> {
  // Diagnostics only (e.g. `--trace-gc`): extra node flags for the emulator; its GC lines are summed below.
  const emulatorArgs = (process.env.BENCH_EMULATOR_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const [emulator, tenant] = await Promise.all([startEmulator(emulatorArgs), startTenantSimulator()]);
  const emulatorPauses: number[] = [];
  if (emulator.child.stdout) {
    // By line: a chunk can end inside a GC line.
    createInterface({ input: emulator.child.stdout }).on('line', (line) => {
      const pause = /(?:Scavenge|Mark-Compact).*?MB, ([\d.]+) \//.exec(line)?.[1];
      if (pause !== undefined) emulatorPauses.push(Number(pause));
    });
  }
  const stops: (() => Promise<unknown>)[] = [() => emulator.stop(), () => tenant.process.stop()];
  try {
    const env = { ...intakeEnv(emulator, tenant, await tenant.relayAppId()), LOG_LEVEL };
    // Telemetry off: no exporter configured (context still propagates into the message).
    const intakeProcess = await startIntakeLoggingToFile({ ...env, OTEL_SDK_DISABLED: 'true' });
    stops.push(() => intakeProcess.stop());
    // Telemetry on: OTLP/HTTP JSON to the stand-in, with the SDK's default batching and intervals.
    const standIn = await startTelemetryStandIn();
    stops.push(() => standIn.close());
    const otelProcess = await startIntakeLoggingToFile({ ...env, OTEL_EXPORTER_OTLP_ENDPOINT: standIn.url });
    stops.push(() => otelProcess.stop());
    const floorProcess = await spawnReady({
      command: process.execPath,
      args: ['--import', 'tsx', path.join(serviceDir, 'bench/floor-server.ts')],
      env: { SERVICEBUS_CONNECTION_STRING: emulator.connectionString, FLOOR_PORT: '0' },
      readyLine: /floor ready at (http:\/\/\S+)/,
      name: 'floor',
    });
    stops.push(() => floorProcess.stop());

    const token = await tenant.relayToken();
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const open = (name: string, base: string, pid: number | undefined): Server => ({ name, url: new URL('/api/tap-requests', base), pid });
    const intake = open('intake', intakeProcess.url, intakeProcess.child.pid);
    const floor = open('floor', floorProcess.match[1] ?? '', floorProcess.child.pid);
    const traced = open('intake+otel', otelProcess.url, otelProcess.child.pid);
    const purge = async () => {
      await fetch(`${adminUrlOf(emulator)}/queues/tap-requests/purge`, { method: 'POST' });
    };

    /** `requests` fresh call-outs (each a new stage instance, so each is enqueued) at `concurrency`. */
    async function phase(server: Server, requests: number, concurrency: number): Promise<Phase> {
      // Keep-alive connections opened before the clock starts, fresh for each phase: a server
      // closes a connection left idle for 5 s while the others' phases run.
      const connections: Connection[] = await Promise.all(Array.from({ length: concurrency }, () => connect(server.url)));
      const wire = Array.from({ length: requests }, () => postRequest(server.url, headers, JSON.stringify(callout())));
      const latenciesMs: number[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      const before = { server: cpuMsOf(server.pid), emulator: cpuMsOf(emulator.child.pid), client: process.cpuUsage() };
      const started = performance.now();
      await Promise.all(
        connections.map(async (connection) => {
          for (let i = next++; i < requests; i = next++) {
            const t0 = performance.now();
            const answer = await connection.send(wire[i] ?? Buffer.alloc(0));
            latenciesMs.push(performance.now() - t0);
            if (process.env.BENCH_TRACE) trace.push(`${server.name} ${requests} ${(t0 - started).toFixed(2)} ${(performance.now() - t0).toFixed(2)}`);
            // Accepted means 202 and the intake's own answer, not just any 202.
            const status = answer.status === 202 && !answer.body.includes('"status":"accepted"') ? -1 : answer.status;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const client = process.cpuUsage(before.client);
      for (const connection of connections) connection.close();
      await purge();
      return {
        requests,
        seconds,
        latenciesMs: latenciesMs.sort((a, b) => a - b),
        statuses,
        cpu: {
          server: (cpuMsOf(server.pid) - before.server) / requests,
          emulator: (cpuMsOf(emulator.child.pid) - before.emulator) / requests,
          client: (client.user + client.system) / 1000 / requests,
        },
      };
    }

    await phase(intake, WARMUP, CONCURRENCY);
    await phase(floor, WARMUP, CONCURRENCY);
    await phase(traced, WARMUP, CONCURRENCY);
    const c1 = await phase(intake, SEQUENTIAL, 1);
    const intakeRounds: Phase[] = [];
    const floorRounds: Phase[] = [];
    const tracedRounds: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Off and on in either order, so neither always runs on a machine the other just warmed.
      const [first, second] = round % 2 === 0 ? [intake, traced] : [traced, intake];
      for (const server of [first, second]) (server === intake ? intakeRounds : tracedRounds).push(await phase(server, PER_ROUND, CONCURRENCY));
      floorRounds.push(await phase(floor, PER_ROUND, CONCURRENCY));
    }
    await otelProcess.stop();
    const spansReceived = standIn.store.spans().length;

    // The floor of a send: one SDK send from this process to the same emulator, no HTTP, no auth.
    const sbClient = new ServiceBusClient(emulator.connectionString);
    const sender = sbClient.createSender('tap-requests');
    const body = Buffer.from(JSON.stringify(callout()));
    const bareSend = () =>
      sender.sendMessages({
        messageId: randomUUID(),
        correlationId: randomUUID(),
        body,
        contentType: 'application/json',
        applicationProperties: { traceparent: `00-${randomUUID().replace(/-/g, '')}-00f067aa0ba902b7-01` },
      });
    for (let i = 0; i < 50; i++) await bareSend();
    const bare: number[] = [];
    for (let i = 0; i < BARE_SENDS; i++) {
      const t0 = performance.now();
      await bareSend();
      bare.push(performance.now() - t0);
    }
    bare.sort((a, b) => a - b);
    await sender.close();
    await sbClient.close();
    await purge();

    const c32 = pooled(intakeRounds);
    const floor32 = pooled(floorRounds);
    const traced32 = pooled(tracedRounds);
    const row = (name: string, p: Phase, concurrency: number) => ({
      phase: name,
      concurrency,
      requests: p.requests,
      'req/s': Math.round(p.requests / p.seconds),
      'p50 ms': fmt(percentile(p.latenciesMs, 50)),
      'p95 ms': fmt(percentile(p.latenciesMs, 95)),
      'p99 ms': fmt(percentile(p.latenciesMs, 99)),
      'max ms': fmt(p.latenciesMs[p.latenciesMs.length - 1] ?? NaN),
      statuses: [...p.statuses].map(([s, n]) => `${s === -1 ? '202-not-accepted' : s}x${n}`).join(' '),
      'CPU ms/req server|emulator|client': [p.cpu.server, p.cpu.emulator, p.cpu.client].map(fmt).join(' | '),
    });
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`\nintake over loopback HTTP -> local host -> Service Bus emulator (intake LOG_LEVEL=${LOG_LEVEL}; load average ${load})\n`);
    console.table([
      row('intake', c1, 1),
      ...intakeRounds.map((p, i) => row(`intake round ${i + 1}`, p, CONCURRENCY)),
      row(`intake, ${ROUNDS} rounds`, c32, CONCURRENCY),
      ...tracedRounds.map((p, i) => row(`intake+otel round ${i + 1}`, p, CONCURRENCY)),
      row(`intake+otel, ${ROUNDS} rounds`, traced32, CONCURRENCY),
      ...floorRounds.map((p, i) => row(`floor round ${i + 1}`, p, CONCURRENCY)),
      row(`floor, ${ROUNDS} rounds`, floor32, CONCURRENCY),
    ]);
    const bareP50 = percentile(bare, 50);
    const p99 = percentile(c32.latenciesMs, 99);
    const rate = c32.requests / c32.seconds;
    process.stdout.write(`bare SDK send p50: ${fmt(bareP50)} ms (p95 ${fmt(percentile(bare, 95))} ms, ${BARE_SENDS} sequential sends)\n`);
    process.stdout.write(`intake p50 at concurrency 1 / bare send p50: ${(percentile(c1.latenciesMs, 50) / bareP50).toFixed(2)}x\n`);
    process.stdout.write(
      `at concurrency 32, intake / floor: p50 ${(percentile(c32.latenciesMs, 50) / percentile(floor32.latenciesMs, 50)).toFixed(2)}x, ` +
        `p99 ${(p99 / percentile(floor32.latenciesMs, 99)).toFixed(2)}x, CPU per request ${(c32.cpu.server / floor32.cpu.server).toFixed(2)}x\n`,
    );
    const tracedRate = traced32.requests / traced32.seconds;
    const lost = 1 - tracedRate / rate;
    process.stdout.write(
      `telemetry on vs off at concurrency 32: ${Math.round(tracedRate)} vs ${Math.round(rate)} req/s, throughput lost ${(lost * 100).toFixed(1)}% ` +
        `(target <= ${TARGET_TELEMETRY_LOSS * 100}%: ${lost <= TARGET_TELEMETRY_LOSS ? 'met' : 'MISSED'}); p99 ${fmt(percentile(traced32.latenciesMs, 99))} vs ${fmt(p99)} ms; ` +
        `CPU per request ${(traced32.cpu.server / c32.cpu.server).toFixed(2)}x; ${spansReceived} spans reached the stand-in\n`,
    );
    const allAccepted = [c1, c32, traced32].every((p) => p.statuses.get(202) === p.requests);
    process.stdout.write(
      `targets at concurrency 32 (${c32.requests} requests in ${ROUNDS} rounds): >= ${TARGET_RPS} accepted req/s: ${rate >= TARGET_RPS ? 'met' : 'MISSED'} (${Math.round(rate)}); ` +
        `p99 <= ${TARGET_P99_MS} ms: ${p99 <= TARGET_P99_MS ? 'met' : 'MISSED'} (${fmt(p99)} ms); every answer 202 accepted: ${allAccepted ? 'yes' : 'NO'}\n`,
    );
    if (emulatorPauses.length > 0) {
      const sorted = [...emulatorPauses].sort((a, b) => a - b);
      process.stdout.write(`emulator GC pauses: ${sorted.length}, total ${fmt(sorted.reduce((a, b) => a + b, 0))} ms, p50 ${fmt(percentile(sorted, 50))} ms, max ${fmt(sorted[sorted.length - 1] ?? NaN)} ms\n`);
    }
    if (process.env.BENCH_TRACE) writeFileSync(process.env.BENCH_TRACE, trace.join('\n'));
    if (!allAccepted) process.exitCode = 1;
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  }
}

/**
 * The intake as its own process, its log going to a file as it would to the Functions host: a
 * pipe read by this (busy) process would fill and stall the intake's synchronous log writes,
 * which would measure us, not it. Readiness: the health endpoint, polled with a deadline.
 * BENCH_PROFILE_DIR=<dir> adds a V8 CPU profile of the intake; BENCH_INTAKE_NODE_ARGS adds node
 * flags (e.g. `--trace-gc`); BENCH_KEEP_LOG=1 keeps the log file.
 */
async function startIntakeLoggingToFile(env: Record<string, string>): Promise<{ url: string; child: ReturnType<typeof spawn>; stop(): Promise<void> }> {
  const port = await freePort();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'tapline-intake-bench-'));
  const logFd = openSync(path.join(logDir, 'intake.log'), 'a');
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const extraArgs = (process.env.BENCH_INTAKE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extraArgs, ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]), path.join(serviceDir, 'bin/intake-local.js')], {
    env: { ...process.env, ...env, INTAKE_PORT: String(port) },
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`intake exited (${String(child.exitCode)}): ${readFileSync(path.join(logDir, 'intake.log'), 'utf8').slice(-2000)}`);
    const res = await fetch(`${url}/api/health`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }, { timeoutMs: 30_000, description: 'the intake health endpoint' });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      if (process.env.BENCH_KEEP_LOG === undefined) rmSync(logDir, { recursive: true, force: true });
      else process.stdout.write(`intake log kept: ${path.join(logDir, 'intake.log')}\n`);
    },
  };
}

await main();
