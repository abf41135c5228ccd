// Spawns the tenant simulator as a separate process (its bin), waits for its `ready` line, and
// kills it afterwards. Shared by the Graph adapter tests; the worker has its own copy of the idea.

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../tenant-simulator/bin/tenant-simulator.js', import.meta.url));
export const demoOrgPath = fileURLToPath(new URL('../../tenant-simulator/fixtures/demo-org.json', import.meta.url));

export interface SimulatorProcess {
  readonly url: string;
  readonly identityHeader: string;
  /** `/_sim/...` JSON call. */
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export async function startSimulator(args: readonly string[] = [], deadlineMs = 20_000): Promise<SimulatorProcess> {
  const child: ChildProcess = spawn(process.execPath, [bin, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const ready = await new Promise<{ url: string; identityHeader: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tenant-simulator not ready within ${deadlineMs} ms: ${out} ${err}`));
    }, deadlineMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready url=(\S+)/.exec(out);
      const h = /IDENTITY_HEADER=(\S+)/.exec(out);
      if (m && h) {
        clearTimeout(timer);
        resolve({ url: m[1]!, identityHeader: h[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tenant-simulator exited (${String(code)}): ${err}`));
    });
  });
  return {
    ...ready,
    async sim<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${ready.url}/_sim/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? (method === 'GET' || method === 'DELETE' ? undefined : '{}') : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
