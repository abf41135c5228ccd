// `pnpm start` as a user runs it: the real bin, ports from the TAPLINE_PORT_* variables, its own
// data dir. It must come up with its banner, write stack.json with the documented keys, stop every
// process it started on SIGTERM (no orphans, ports released), and name a port that is taken. And
// whatever ends it (SIGTERM to pnpm, which does not pass it on; SIGKILL to the orchestrator), no
// process of the stack outlives it by more than a few seconds.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts, portsFromEnv, repoRoot } from '@tapline/local-stack';
import type { PortName, Ports } from '@tapline/local-stack';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.js';

const BIN = path.join(repoRoot, 'packages/local-stack/bin/local-stack.js');

/** `serviceBusAdmin` -> `TAPLINE_PORT_SERVICE_BUS_ADMIN`, as the README documents. */
const variableOf = (name: PortName) => `TAPLINE_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

function portEnv(ports: Ports): Record<string, string> {
  const env = Object.fromEntries((Object.keys(ports) as PortName[]).map((name) => [variableOf(name), String(ports[name])]));
  // The bin reads them back exactly: a renamed variable fails here, not as a collision later.
  expect(portsFromEnv(env)).toEqual(ports);
  return env;
}

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startBin(env: Record<string, string>, dataDir: string, via: 'node' | 'pnpm' = 'node'): Started {
  // `pnpm start` as typed: pnpm -> sh -c -> the bin, which is what a SIGTERM to pnpm must survive.
  const [command, args] = via === 'pnpm'
    ? ['pnpm', ['start', '--ephemeral', '--data-dir', dataDir]] as const
    : [process.execPath, [BIN, '--ephemeral', '--data-dir', dataDir]] as const;
  const child = spawn(command, args, {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 30_000);

describe('pnpm start (the local-stack bin)', () => {
  it('comes up on the given ports, writes stack.json, and leaves nothing running after SIGTERM', async () => {
    const ports = await freePorts();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tapline-start-'));
    const run = startBin(portEnv(ports), dataDir);
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanups.push(() => { if (run.child.exitCode === null) run.child.kill('SIGKILL'); });

    await waitFor(() => (run.stdout().includes('Ctrl-C stops everything') ? true : undefined), {
      timeoutMs: 90_000, intervalMs: 100, what: `the banner (stderr so far: ${run.stderr().slice(-500)})`,
    });
    const stackFile = path.join(dataDir, 'stack.json');
    expect(run.stdout()).toContain('tapline local stack is up');
    expect(run.stdout()).toContain(stackFile);

    const stack = JSON.parse(readFileSync(stackFile, 'utf8')) as {
      intake: { url: string }; serviceBus: { connectionString: string; adminUrl: string }; tables: { connectionString: string };
      tenant: { url: string; tenantId: string }; acs: { url: string; connectionString: string }; telemetry: { url: string }; logs: { dir: string };
      processes: Record<string, { pid: number }>;
    };
    expect(stack.intake.url).toBe(`http://127.0.0.1:${ports.intake}`);
    expect(stack.serviceBus.connectionString).toContain(`sb://127.0.0.1:${ports.serviceBus}`);
    expect(stack.serviceBus.adminUrl).toBe(`http://127.0.0.1:${ports.serviceBusAdmin}`);
    expect(stack.tables.connectionString).toContain(`TableEndpoint=http://127.0.0.1:${ports.tables}/`);
    expect(stack.tenant.url).toBe(`http://127.0.0.1:${ports.tenant}`);
    expect(stack.tenant.tenantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(stack.acs.url).toBe(`http://127.0.0.1:${ports.acs}`);
    expect(stack.acs.connectionString).toMatch(/^endpoint=http:\/\/127\.0\.0\.1:\d+\/;accesskey=/);
    expect(stack.telemetry.url).toBe(`http://127.0.0.1:${ports.telemetry}`);
    expect(stack.logs.dir).toBe(path.join(dataDir, 'logs'));
    expect(Object.keys(stack.processes).sort()).toEqual(['acs', 'intake', 'notifier', 'servicebus', 'tables', 'telemetry', 'tenant', 'worker']);

    // What stack.json names is really there.
    for (const url of [`${stack.tenant.url}/_sim/health`, `${stack.acs.url}/_sim/health`, `${stack.serviceBus.adminUrl}/health`, `${stack.telemetry.url}/health`]) {
      expect((await fetch(url, { signal: AbortSignal.timeout(10_000) })).status, url).toBe(200);
    }
    const pids = Object.values(stack.processes).map((p) => p.pid);
    expect(pids.filter((pid) => !alive(pid))).toEqual([]);

    run.child.kill('SIGTERM');
    const { code } = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no exit 45 s after SIGTERM')), 45_000))]);
    expect(code).toBe(0);
    expect(run.stdout()).toContain('stopped.');
    expect(pids.filter(alive), 'processes left running after SIGTERM').toEqual([]);
    expect(existsSync(stackFile), 'stack.json removed').toBe(false);
    const stillTaken: string[] = [];
    for (const [name, port] of Object.entries(ports)) if (!(await portFree(port))) stillTaken.push(`${name}:${port}`);
    expect(stillTaken).toEqual([]);
  }, 150_000);

  it('names a port that is already taken, and how to choose another, before starting anything', async () => {
    const ports = await freePorts();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(ports.intake, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => squatter.close(() => resolve())));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tapline-start-taken-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    const run = startBin(portEnv(ports), dataDir);
    cleanups.push(() => { if (run.child.exitCode === null) run.child.kill('SIGKILL'); });
    const { code } = await Promise.race([run.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running 30 s later')), 30_000))]);
    expect(code).toBe(1);
    expect(run.stderr()).toContain(`intake: ${ports.intake}`);
    expect(run.stderr()).toContain(`TAPLINE_PORT_INTAKE=<port>`);
    expect(run.stdout()).not.toContain('ready');
    expect(existsSync(path.join(dataDir, 'stack.json'))).toBe(false);
  }, 60_000);

  it('leaves nothing behind when pnpm is sent SIGTERM or the orchestrator SIGKILL, and names a stack still running', async () => {
    const ports = await freePorts();
    const env = portEnv(ports);
    const up = async (dataDir: string) => {
      const run = startBin(env, dataDir, 'pnpm');
      cleanups.push(() => { if (run.child.exitCode === null) run.child.kill('SIGKILL'); });
      await waitFor(() => (run.stdout().includes('Ctrl-C stops everything') ? true : undefined), {
        timeoutMs: 90_000, intervalMs: 100, what: `the banner (stderr so far: ${run.stderr().slice(-500)})`,
      });
      const stack = JSON.parse(readFileSync(path.join(dataDir, 'stack.json'), 'utf8')) as {
        supervisor: { pid: number }; processes: Record<string, { pid: number }>;
      };
      const pids = [stack.supervisor.pid, ...Object.values(stack.processes).map((p) => p.pid)];
      // Whatever happens below, nothing of this stack survives the test.
      cleanups.push(() => { for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL'); });
      expect(pids.filter((pid) => !alive(pid))).toEqual([]);
      return { run, supervisor: stack.supervisor.pid, pids };
    };
    const allGone = async (pids: number[], why: string) => {
      await waitFor(async () => {
        if (pids.some(alive)) return undefined;
        for (const port of Object.values(ports)) if (!(await portFree(port))) return undefined;
        return true;
      }, { timeoutMs: 10_000, intervalMs: 100, what: `every process gone and every port free ${why} (alive: ${pids.filter(alive).join(', ')})` });
    };
    const dirs = [1, 2, 3].map((n) => mkdtempSync(path.join(tmpdir(), `tapline-stop-${n}-`)));
    cleanups.push(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });

    const first = await up(dirs[0]!);
    first.run.child.kill('SIGTERM'); // pnpm only, as `timeout` or a supervisor sends it
    await allGone(first.pids, 'after SIGTERM to pnpm');

    const second = await up(dirs[1]!);
    const third = startBin(env, dirs[2]!, 'pnpm');
    cleanups.push(() => { if (third.child.exitCode === null) third.child.kill('SIGKILL'); });
    const { code } = await Promise.race([third.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still running 30 s later')), 30_000))]);
    expect(code).not.toBe(0);
    expect(third.stderr()).toContain(`is still running (pid ${second.supervisor})`);
    expect(third.stderr()).toContain(`kill ${second.supervisor}`);
    expect(third.stderr()).toMatch(new RegExp(`intake: ${ports.intake}, held by pid \\d+ \\(services/intake/bin/intake-local\\.js\\)`));

    process.kill(second.supervisor, 'SIGKILL');
    await allGone(second.pids, 'after SIGKILL to the orchestrator');

    // And the ports are really usable again: a new stack comes up on them.
    const fourth = await up(dirs[2]!);
    fourth.run.child.kill('SIGTERM');
    await allGone(fourth.pids, 'after the last stack');
  }, 300_000);
});
