// Spawns the workspace's Service Bus emulator as a separate process for one test file, on free
// ports, with this package's own test topology, and waits for its ready line.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../servicebus-emulator/bin/servicebus-emulator.js', import.meta.url));
export const TEST_TOPOLOGY = fileURLToPath(new URL('./topology.test.json', import.meta.url));

export interface Emulator {
  readonly connectionString: string;
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface QueueCounts { active: number; scheduled: number; deferred: number; deadLettered: number; locked: number }

export async function startEmulator(deadlineMs = 20_000): Promise<Emulator> {
  const child = spawn(process.execPath, [BIN, '--port', '0', '--admin-port', '0', '--topology', TEST_TOPOLOGY], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => { stderr = (stderr + d).slice(-10_000); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ connectionString: string; adminPort: string }>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`emulator not ready in ${deadlineMs} ms: ${stderr}`)); }, deadlineMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('servicebus-emulator ready ')) return;
      clearTimeout(timer);
      resolve({
        connectionString: /connection-string=(\S+)/.exec(line)?.[1] ?? '',
        adminPort: /admin-port=(\d+)/.exec(line)?.[1] ?? '',
      });
    });
    void exited.then(() => { clearTimeout(timer); reject(new Error(`emulator exited before ready: ${stderr}`)); });
  });
  return {
    connectionString: ready.connectionString,
    adminUrl: `http://127.0.0.1:${ready.adminPort}`,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function queueCounts(emulator: Emulator, queue: string): Promise<QueueCounts> {
  const res = await fetch(`${emulator.adminUrl}/queues/${encodeURIComponent(queue)}`);
  if (!res.ok) throw new Error(`admin ${res.status} for ${queue}`);
  return (await res.json()) as QueueCounts;
}

/** Polls `check` until it returns a value other than undefined, or fails at the deadline. */
// Generous by default: the machine is shared and two cores can be saturated by other suites.
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined> | T | undefined, deadlineMs = 20_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
