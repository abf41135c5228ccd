// Real child processes for the integration test: spawn, wait for a ready line or a probe (with a
// deadline), stop (SIGTERM, then SIGKILL after a grace period). Every wait is bounded.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const binDir = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
export const TAPCTL_BIN = fileURLToPath(new URL('../../bin/tapctl.js', import.meta.url));

export interface Spawned {
  readonly child: ChildProcess;
  readonly ready: RegExpMatchArray;
  readonly output: () => string;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
}

export async function spawnReady(command: string, args: readonly string[], readyLine: RegExp, env: Record<string, string> = {}, timeoutMs = 30_000): Promise<Spawned> {
  const child = spawn(command, [...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const output = () => lines.join('\n');
  let onLine: ((line: string) => void) | undefined;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > 200) lines.shift();
      onLine?.(line);
    });
  }
  try {
    const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${command} not ready within ${timeoutMs} ms:\n${output()}`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited (${String(code)}) before it was ready:\n${output()}`));
      });
      onLine = (line) => {
        const match = readyLine.exec(line);
        if (!match) return;
        clearTimeout(timer);
        onLine = undefined;
        resolve(match);
      };
    });
    return { child, ready, output, stop: stopper(child) };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** A loopback port that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** Azurite's table service in memory on a free port; ready when it answers HTTP. */
export async function startAzurite(deadlineMs = 20_000): Promise<{ connectionString: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(`${binDir}azurite-table`, [
    '--inMemoryPersistence', '--tableHost', '127.0.0.1', '--tablePort', String(port), '--silent', '--disableTelemetry', '--skipApiVersionCheck',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    const answered = await fetch(`http://127.0.0.1:${port}/devstoreaccount1/Tables`, { signal: AbortSignal.timeout(500) }).then(() => true, () => false);
    if (answered) break;
    if (child.exitCode !== null || Date.now() > deadline || attempt > 1_000) {
      child.kill('SIGKILL');
      throw new Error(`azurite did not answer on ${port} within ${deadlineMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    stop: stopper(child),
  };
}

export interface BinRun { code: number | null; stdout: string; stderr: string }

/** Runs the tapctl bin to completion (bounded by `timeoutMs`). */
export function runTapctl(args: readonly string[], timeoutMs = 30_000): Promise<BinRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TAPCTL_BIN, ...args], {
      env: { ...process.env, npm_lifecycle_event: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
