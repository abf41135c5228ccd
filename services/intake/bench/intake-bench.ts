// `pnpm bench:intake`: the intake's local host over loopback HTTP against the Service Bus emulator
// (each its own process, plus the tenant simulator for the relay token), at concurrency 1 and 32;
// in the same run, a bare SDK send to the same emulator (the ratio the issue asks for) and the
// floor server (floor-server.ts: the same HTTP and Service Bus parts with none of the intake's own
// work). Then what telemetry costs: two more intakes, alike but for telemetry (one exporting
// traces and metrics over OTLP/HTTP to the telemetry stand-in with the settings `pnpm start` and
// Azure get, one with OTEL_SDK_DISABLED), both pinned to one CPU and loaded side by side, and the
// share of answers the traced one did not give is printed. Every call-out carries a sampled
// `traceparent`, as the relay's do.
// Bounded counts only. docs/benchmarks.md, section Intake, explains the figures. Diagnostics:
// BENCH_PROFILE_DIR, BENCH_INTAKE_NODE_ARGS, BENCH_KEEP_LOG (intake), BENCH_EMULATOR_NODE_ARGS
// (`--trace-gc` there prints the emulator's GC pauses), BENCH_TRACE (per-request latencies),
// BENCH_TELEMETRY_AA=1 (both twins without telemetry: the method's own bias), and any
// OTEL_TRACES_SAMPLER setting (e.g. always_on: what keeping every trace costs). Linux: /proc and
// taskset.
import { randomBytes, randomUUID } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { freePort, processCpuMs, spawnReady, waitFor } from '@tapline/test-harness';
import { adminUrlOf, intakeEnv, serviceDir, startEmulator, startTenantSimulator } from '../test/helpers/stack.js';
import { callout } from '../test/helpers/callouts.js';
import { connect, postRequest } from './http-load.js';
import type { Connection } from './http-load.js';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const PER_ROUND = Number(process.env.BENCH_CONCURRENT ?? 4_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Telemetry on vs off: windows in which both intakes are under load at once, and their size. */
const TELEMETRY_WINDOWS = Number(process.env.BENCH_TELEMETRY_WINDOWS ?? 8);
const PER_TELEMETRY_WINDOW = Number(process.env.BENCH_TELEMETRY_WINDOW ?? 8_000);
const CONCURRENCY = 32;
const WARMUP = Number(process.env.BENCH_WARMUP ?? 4_000);
const BARE_SENDS = 500;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const TARGET_RPS = 1_000;
const TARGET_P99_MS = 25;
const TARGET_TELEMETRY_LOSS = 0.1;
const repoRoot = path.resolve(serviceDir, '../..');
/** The CPU both intakes of the telemetry comparison share (taskset); the rest moves to the other one. */
const TWIN_CPU = '1';
const OTHER_CPU = '0';
const ANY_CPU = '0,1';

/** Moves a running process and all its threads to these CPUs (Linux, util-linux's taskset). */
function pin(pid: number | undefined, cpus: string): void {
  if (pid === undefined) return;
  const result = spawnSync('taskset', ['-a', '-c', '-p', cpus, String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset could not pin pid ${pid} to CPU ${cpus}: ${result.stderr || result.error?.message}`);
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
  /** CPU ms per request of the server under test, the emulator, this client and the telemetry stand-in. */
  readonly cpu: { server: number; emulator: number; client: number; standIn: number };
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
    cpu: {
      server: weighted((p) => p.cpu.server),
      emulator: weighted((p) => p.cpu.emulator),
      client: weighted((p) => p.cpu.client),
      standIn: weighted((p) => p.cpu.standIn),
    },
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
    // Telemetry on: OTLP/HTTP JSON to the stand-in, its own process as in `pnpm start`, with the
    // SDK's default batching and intervals.
    const standIn = await spawnReady({
      command: process.execPath,
      args: [path.join(repoRoot, 'packages/telemetry-stand-in/bin/telemetry-stand-in.js')],
      readyLine: /telemetry-stand-in ready url=(\S+)/,
      name: 'telemetry-stand-in',
    });
    stops.push(() => standIn.stop());
    const standInUrl = standIn.match[1] ?? '';
    // The two intakes of the telemetry comparison, alike but for telemetry, started together and
    // warmed alike below: an intake that has served the rounds above is warmer than one that has
    // not (an A/A run with the main intake as "off" showed 10 % "lost"). BENCH_TELEMETRY_AA=1 (a
    // diagnostic) runs the "on" one with telemetry off too, so the figure printed as lost is the
    // method's own bias and noise.
    const onEnv = process.env.BENCH_TELEMETRY_AA === '1' ? { ...env, OTEL_SDK_DISABLED: 'true' } : { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: standInUrl };
    const offEnv = { ...env, OTEL_SDK_DISABLED: 'true' };
    const [otelProcess, offProcess] = await Promise.all([startIntakeLoggingToFile(onEnv, TWIN_CPU), startIntakeLoggingToFile(offEnv, TWIN_CPU)]);
    stops.push(() => otelProcess.stop(), () => offProcess.stop());
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
    // As the relay calls: each call-out in its own trace, carried by `traceparent` (sampled). With
    // telemetry off the intake still continues it (log lines, the message's properties); with it
    // on, it also records and exports its spans.
    const relayHeaders = () => ({ ...headers, traceparent: `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01` });
    const open = (name: string, base: string, pid: number | undefined): Server => ({ name, url: new URL('/api/tap-requests', base), pid });
    const intake = open('intake', intakeProcess.url, intakeProcess.child.pid);
    const floor = open('floor', floorProcess.match[1] ?? '', floorProcess.child.pid);
    const traced = open('intake+otel', otelProcess.url, otelProcess.child.pid);
    const untraced = open('intake-otel', offProcess.url, offProcess.child.pid);
    const purge = async () => {
      await fetch(`${adminUrlOf(emulator)}/queues/tap-requests/purge`, { method: 'POST' });
    };

    /** `requests` fresh call-outs (each a new stage instance, so each is enqueued) at `concurrency`. */
    async function phase(server: Server, requests: number, concurrency: number): Promise<Phase> {
      // Keep-alive connections opened before the clock starts, fresh for each phase: a server
      // closes a connection left idle for 5 s while the others' phases run.
      const connections: Connection[] = await Promise.all(Array.from({ length: concurrency }, () => connect(server.url)));
      const wire = Array.from({ length: requests }, () => postRequest(server.url, relayHeaders(), JSON.stringify(callout())));
      const latenciesMs: number[] = [];
      const statuses = new Map<number, number>();
      let next = 0;
      const before = { server: processCpuMs(server.pid), emulator: processCpuMs(emulator.child.pid), standIn: processCpuMs(standIn.child.pid), client: process.cpuUsage() };
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
          server: (processCpuMs(server.pid) - before.server) / requests,
          emulator: (processCpuMs(emulator.child.pid) - before.emulator) / requests,
          client: (client.user + client.system) / 1000 / requests,
          standIn: (processCpuMs(standIn.child.pid) - before.standIn) / requests,
        },
      };
    }

    /**
     * Both servers under load at once, `concurrency` connections each, until `total` answers have
     * come back between them: each sees the same machine at the same moments. A server's figures
     * count the answers it gave inside that window.
     */
    async function sideBySide(servers: readonly [Server, Server], total: number, concurrency: number): Promise<[Phase, Phase]> {
      const lanes = await Promise.all(servers.map(async (server) => ({
        server,
        connections: await Promise.all(Array.from({ length: concurrency }, () => connect(server.url))),
        wire: Array.from({ length: total }, () => postRequest(server.url, relayHeaders(), JSON.stringify(callout()))),
        next: 0,
        latenciesMs: [] as number[],
        statuses: new Map<number, number>(),
      })));
      let answered = 0;
      const before = lanes.map((l) => processCpuMs(l.server.pid));
      const shared = { emulator: processCpuMs(emulator.child.pid), standIn: processCpuMs(standIn.child.pid), client: process.cpuUsage() };
      const started = performance.now();
      let ended = started;
      const after: number[] = [];
      await Promise.all(lanes.flatMap((lane) => lane.connections.map(async (connection) => {
        while (answered < total && lane.next < total) {
          const request = lane.wire[lane.next++] ?? Buffer.alloc(0);
          const t0 = performance.now();
          const answer = await connection.send(request);
          if (answered >= total) return;
          lane.latenciesMs.push(performance.now() - t0);
          const status = answer.status === 202 && !answer.body.includes('"status":"accepted"') ? -1 : answer.status;
          lane.statuses.set(status, (lane.statuses.get(status) ?? 0) + 1);
          if (++answered === total) {
            ended = performance.now();
            after.push(...lanes.map((l) => processCpuMs(l.server.pid)));
          }
        }
      })));
      const client = process.cpuUsage(shared.client);
      for (const lane of lanes) for (const connection of lane.connections) connection.close();
      await purge();
      const seconds = (ended - started) / 1000;
      const phases = lanes.map((lane, i): Phase => {
        const requests = lane.latenciesMs.length;
        return {
          requests,
          seconds,
          latenciesMs: lane.latenciesMs.sort((a, b) => a - b),
          statuses: lane.statuses,
          cpu: {
            server: ((after[i] ?? NaN) - (before[i] ?? NaN)) / requests,
            // Shared by both lanes: per request of the two together.
            emulator: (processCpuMs(emulator.child.pid) - shared.emulator) / total,
            client: (client.user + client.system) / 1000 / total,
            standIn: (processCpuMs(standIn.child.pid) - shared.standIn) / total,
          },
        };
      });
      return [phases[0]!, phases[1]!];
    }

    await phase(intake, WARMUP, CONCURRENCY);
    await phase(floor, WARMUP, CONCURRENCY);
    const c1 = await phase(intake, SEQUENTIAL, 1);
    const intakeRounds: Phase[] = [];
    const floorRounds: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Intake and floor in either order, so neither always runs on a machine the other just warmed.
      const [first, second] = round % 2 === 0 ? [intake, floor] : [floor, intake];
      for (const server of [first, second]) (server === intake ? intakeRounds : floorRounds).push(await phase(server, PER_ROUND, CONCURRENCY));
    }
    // Telemetry off and on. The speed of this shared VM drifts by up to 1.8x within a minute (the
    // intake's CPU per request moved from 0.34 to 0.64 ms between rounds of one run), and rounds
    // taken one after the other, even short ones in alternation, differed by up to 40 % between
    // two identical intakes. So both run at once on one CPU, each with its own 32 connections, and
    // the throughput lost is the share of answers the traced one did not give in the same windows.
    // Everything else moves to the other CPU meanwhile.
    const offRounds: Phase[] = [];
    const tracedRounds: Phase[] = [];
    const others = [process.pid, emulator.child.pid, tenant.process.child.pid, standIn.child.pid];
    for (const pid of others) pin(pid, OTHER_CPU);
    await sideBySide([untraced, traced], WARMUP * 2, CONCURRENCY);
    for (let window = 0; window < TELEMETRY_WINDOWS; window++) {
      // Which lane opens its connections and sends first alternates too.
      if (window % 2 === 0) {
        const [off, on] = await sideBySide([untraced, traced], PER_TELEMETRY_WINDOW, CONCURRENCY);
        offRounds.push(off);
        tracedRounds.push(on);
      } else {
        const [on, off] = await sideBySide([traced, untraced], PER_TELEMETRY_WINDOW, CONCURRENCY);
        offRounds.push(off);
        tracedRounds.push(on);
      }
    }
    for (const pid of others) pin(pid, ANY_CPU);
    await otelProcess.stop();
    const health = (await (await fetch(`${standInUrl}/health`)).json()) as { spansReceived: number };
    const spansReceived = health.spansReceived;

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
    const off32 = pooled(offRounds);
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
      'CPU ms/req server|emulator|client|stand-in': [p.cpu.server, p.cpu.emulator, p.cpu.client, p.cpu.standIn].map(fmt).join(' | '),
    });
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`\nintake over loopback HTTP -> local host -> Service Bus emulator (intake LOG_LEVEL=${LOG_LEVEL}; load average ${load})\n`);
    console.table([
      row('intake', c1, 1),
      ...intakeRounds.map((p, i) => row(`intake round ${i + 1}`, p, CONCURRENCY)),
      row(`intake, ${ROUNDS} rounds`, c32, CONCURRENCY),
      ...floorRounds.map((p, i) => row(`floor round ${i + 1}`, p, CONCURRENCY)),
      row(`floor, ${ROUNDS} rounds`, floor32, CONCURRENCY),
      ...offRounds.flatMap((off, i) => [row(`side by side ${i + 1}: telemetry off`, off, CONCURRENCY), row(`side by side ${i + 1}: telemetry on`, tracedRounds[i]!, CONCURRENCY)]),
      row(`telemetry off, ${TELEMETRY_WINDOWS} windows`, off32, CONCURRENCY),
      row(`telemetry on, ${TELEMETRY_WINDOWS} windows`, traced32, CONCURRENCY),
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
    // Side by side, both intakes had the same windows: the answers each gave are the throughput.
    const offRate = off32.requests / off32.seconds;
    const tracedRate = traced32.requests / traced32.seconds;
    const lost = 1 - tracedRate / offRate;
    const windowLosses = tracedRounds.map((on, i) => 1 - (on.requests / on.seconds) / (offRounds[i]!.requests / offRounds[i]!.seconds));
    process.stdout.write(
      `telemetry on vs off, side by side at concurrency 32 each (${TELEMETRY_WINDOWS} windows of ${PER_TELEMETRY_WINDOW} answers): ${Math.round(tracedRate)} vs ${Math.round(offRate)} req/s, ` +
        `throughput lost ${(lost * 100).toFixed(1)}% (target <= ${TARGET_TELEMETRY_LOSS * 100}%: ${lost <= TARGET_TELEMETRY_LOSS ? 'met' : 'MISSED'}); ` +
        `by window ${windowLosses.map((l) => `${(l * 100).toFixed(1)}%`).join(', ')}\n` +
        `  intake CPU per request ${fmt(traced32.cpu.server)} vs ${fmt(off32.cpu.server)} ms (${(traced32.cpu.server / off32.cpu.server).toFixed(2)}x); p99 ${fmt(percentile(traced32.latenciesMs, 99))} vs ${fmt(percentile(off32.latenciesMs, 99))} ms; ` +
        `the stand-in's CPU ${fmt(traced32.cpu.standIn)} ms per answer of both; ${spansReceived} spans reached the stand-in\n`,
    );
    const allAccepted = [c1, c32, off32, traced32].every((p) => p.statuses.get(202) === p.requests);
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
async function startIntakeLoggingToFile(env: Record<string, string>, cpu?: string): Promise<{ url: string; child: ReturnType<typeof spawn>; stop(): Promise<void> }> {
  const port = await freePort();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'tapline-intake-bench-'));
  const logFd = openSync(path.join(logDir, 'intake.log'), 'a');
  const profileDir = process.env.BENCH_PROFILE_DIR;
  const extraArgs = (process.env.BENCH_INTAKE_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const nodeArgs = [...extraArgs, ...(profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]), path.join(serviceDir, 'bin/intake-local.js')];
  // taskset execs node in its own place: the pid is the intake's.
  const child = spawn(cpu === undefined ? process.execPath : 'taskset', cpu === undefined ? nodeArgs : ['-c', cpu, process.execPath, ...nodeArgs], {
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
