// `pnpm bench:intake`: the intake's local host over loopback HTTP against the Service Bus emulator
// (each its own process, plus the tenant simulator for the relay token), at concurrency 1 and 32,
// and a bare SDK send to the same emulator in the same run, for the ratio. Bounded counts only.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { adminUrlOf, intakeEnv, serviceDir, startEmulator, startTenantSimulator } from '../test/helpers/stack.js';
import { freePort, waitFor } from '@tapline/test-harness';
import { callout } from '../test/helpers/callouts.js';

const SEQUENTIAL = Number(process.env.BENCH_SEQUENTIAL ?? 500);
const CONCURRENT = Number(process.env.BENCH_CONCURRENT ?? 4_000);
const CONCURRENCY = 32;
const WARMUP = 300;
const BARE_SENDS = 500;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';

/** CPU time (user + system) of another process, in ms, from /proc (Linux). */
function cpuMsOf(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 10 ms
  } catch {
    return NaN;
  }
}

interface Phase {
  readonly name: string;
  /** CPU ms per request spent by each process during the phase. */
  readonly cpuPerRequestMs: { intake: number; emulator: number; client: number };
  readonly requests: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
  /** Latencies of the requests after the first `concurrency` (those that open the new connections), sorted. */
  readonly afterOpeningMs: number[];
  readonly statuses: Map<number, number>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const fmt = (n: number) => n.toFixed(2);

async function main(): Promise<void> {
  const [emulator, tenant] = await Promise.all([startEmulator(), startTenantSimulator()]);
  const intake = await startIntakeLoggingToFile({ ...intakeEnv(emulator, tenant, await tenant.relayAppId()), LOG_LEVEL });
  const token = await tenant.relayToken();
  const url = new URL('/api/tap-requests', intake.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const purge = () => fetch(`${adminUrlOf(emulator)}/queues/tap-requests/purge`, { method: 'POST' });

  const postOnce = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        url,
        { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  async function phase(name: string, requests: number, concurrency: number): Promise<Phase> {
    const bodies = Array.from({ length: requests }, () => JSON.stringify(callout()));
    const latenciesMs: number[] = [];
    const byIndex: number[] = new Array<number>(requests);
    const statuses = new Map<number, number>();
    let next = 0;
    const cpuBefore = { intake: cpuMsOf(intake.child.pid), emulator: cpuMsOf(emulator.child.pid), client: process.cpuUsage() };
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < requests; i = next++) {
          const t0 = performance.now();
          const status = await postOnce(bodies[i] ?? '');
          const ms = performance.now() - t0;
          latenciesMs.push(ms);
          byIndex[i] = ms;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const client = process.cpuUsage(cpuBefore.client);
    const cpuPerRequestMs = {
      intake: (cpuMsOf(intake.child.pid) - cpuBefore.intake) / requests,
      emulator: (cpuMsOf(emulator.child.pid) - cpuBefore.emulator) / requests,
      client: (client.user + client.system) / 1000 / requests,
    };
    latenciesMs.sort((a, b) => a - b);
    const afterOpeningMs = byIndex.slice(concurrency).sort((a, b) => a - b);
    return { name, requests, concurrency, seconds, latenciesMs, afterOpeningMs, statuses, cpuPerRequestMs };
  }

  try {
    await phase('warm-up', WARMUP, 8);
    await purge();
    const c1 = await phase('concurrency 1', SEQUENTIAL, 1);
    await purge();
    const c32 = await phase('concurrency 32', CONCURRENT, CONCURRENCY);
    await purge();

    // The floor: one SDK send from this process to the same emulator, no HTTP, no auth.
    const client = new ServiceBusClient(emulator.connectionString);
    const sender = client.createSender('tap-requests');
    const body = Buffer.from(JSON.stringify(callout()));
    for (let i = 0; i < 50; i++) await sender.sendMessages({ messageId: randomUUID(), body, contentType: 'application/json' });
    const bare: number[] = [];
    for (let i = 0; i < BARE_SENDS; i++) {
      const t0 = performance.now();
      await sender.sendMessages({ messageId: randomUUID(), correlationId: randomUUID(), body, contentType: 'application/json', applicationProperties: { traceparent: `00-${randomUUID().replace(/-/g, '')}-00f067aa0ba902b7-01` } });
      bare.push(performance.now() - t0);
    }
    bare.sort((a, b) => a - b);
    await sender.close();
    await client.close();
    await purge();

    const bareP50 = percentile(bare, 50);
    const rows = [c1, c32].map((p) => ({
      phase: p.name,
      requests: p.requests,
      'req/s': Math.round(p.requests / p.seconds),
      'p50 ms': fmt(percentile(p.latenciesMs, 50)),
      'p95 ms': fmt(percentile(p.latenciesMs, 95)),
      'p99 ms': fmt(percentile(p.latenciesMs, 99)),
      'max ms': fmt(p.latenciesMs[p.latenciesMs.length - 1] ?? NaN),
      statuses: [...p.statuses].map(([s, n]) => `${s}x${n}`).join(' '),
      'CPU ms/req intake|emulator|client': [p.cpuPerRequestMs.intake, p.cpuPerRequestMs.emulator, p.cpuPerRequestMs.client].map(fmt).join(' | '),
    }));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    process.stdout.write(`\nintake over loopback HTTP -> local host -> Service Bus emulator (intake LOG_LEVEL=${LOG_LEVEL}; load average ${load})\n`);
    console.table(rows);
    process.stdout.write(`bare SDK send p50: ${fmt(bareP50)} ms (p95 ${fmt(percentile(bare, 95))} ms, ${BARE_SENDS} sequential sends)\n`);
    process.stdout.write(`intake p50 at concurrency 1 / bare send p50: ${(percentile(c1.latenciesMs, 50) / bareP50).toFixed(2)}x\n`);
    const rate32 = c32.requests / c32.seconds;
    const p99 = percentile(c32.latenciesMs, 99);
    // Not the target, an explanation of it: the phase opens with a burst of new connections, and
    // Node 20's libuv accepts one connection per event-loop turn (libuv PR 3696), so on a busy
    // intake the last of them waits a turn per earlier one (docs/benchmarks.md, section Intake).
    process.stdout.write(
      `concurrency 32 without its first ${CONCURRENCY} requests (the ones opening connections): p99 ${fmt(percentile(c32.afterOpeningMs, 99))} ms, max ${fmt(c32.afterOpeningMs[c32.afterOpeningMs.length - 1] ?? NaN)} ms\n`,
    );
    const allAccepted = [c1, c32].every((p) => p.statuses.get(202) === p.requests);
    process.stdout.write(
      `targets at concurrency 32: >= 1000 accepted req/s: ${rate32 >= 1000 ? 'met' : 'MISSED'} (${Math.round(rate32)}); p99 <= 25 ms: ${p99 <= 25 ? 'met' : 'MISSED'} (${fmt(p99)} ms); every answer 202: ${allAccepted ? 'yes' : 'NO'}\n`,
    );
    if (!allAccepted) process.exitCode = 1;
  } finally {
    agent.destroy();
    await Promise.all([intake.stop(), tenant.process.stop(), emulator.stop()]);
  }
}

/**
 * The intake as its own process, its log going to a file as it would to the Functions host: a
 * pipe read by this (busy) process would fill and stall the intake's synchronous log writes,
 * which would measure us, not it. Readiness: the health endpoint, polled with a deadline.
 * BENCH_PROFILE_DIR=<dir> adds a V8 CPU profile of the intake, for finding where time goes.
 */
async function startIntakeLoggingToFile(env: Record<string, string>): Promise<{ url: string; child: ReturnType<typeof spawn>; stop(): Promise<void> }> {
  const port = await freePort();
  const logDir = mkdtempSync(path.join(os.tmpdir(), 'tapline-intake-bench-'));
  const logFd = openSync(path.join(logDir, 'intake.log'), 'a');
  const profileDir = process.env.BENCH_PROFILE_DIR;
  // Diagnostics only (e.g. `--trace-gc`): extra node flags for the intake process.
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
