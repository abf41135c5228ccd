import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tenant-simulator.js', import.meta.url));

export interface SimulatorProcess {
  url: string;
  tenantId: string;
  identityHeader: string;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts the real bin as a separate process on a free port (it picks port 0 and prints its URL)
 * and waits for its "ready" line, with a deadline.
 */
export async function startSimulatorProcess(args: string[] = [], deadlineMs = 20_000): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, [bin, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulator not ready within ${deadlineMs} ms; stderr: ${err}`)), deadlineMs);
    const check = () => {
      const m = /ready url=(\S+) port=\d+ tenant=(\S+) identity-header=(\S+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`simulator exited with ${code}: ${err}`));
    });
  });
  return {
    url: ready[1]!,
    tenantId: ready[2]!,
    identityHeader: ready[3]!,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

export async function simJson<T = unknown>(sim: { url: string }, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** A token minted by the simulator's `/_sim/tokens` hook (expired, wrong audience, ...). */
export async function testToken(sim: { url: string }, request: Record<string, unknown>): Promise<string> {
  const { status, body } = await simJson<{ access_token: string }>(sim, 'POST', '/_sim/tokens', request);
  if (status !== 200) throw new Error(`/_sim/tokens answered ${status}`);
  return body.access_token;
}
