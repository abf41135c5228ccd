import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseReadyLine, type ReadyInfo } from './ready-line.js';

export interface SpawnOptions {
  /** Topology file; default infra/topology.json. */
  topology?: string;
  dataDir?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Default 0 (a free port); null for no admin endpoint. */
  adminPort?: number | null;
  /** How long to wait for the ready line. Default 20 s. */
  readyTimeoutMs?: number;
  /** Extra Node flags for the emulator process, e.g. `['--cpu-prof']` (benchmarks). */
  nodeArgs?: readonly string[];
}

export interface SpawnedEmulator extends ReadyInfo {
  child: ChildProcess;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL (a crash, for durability tests). */
  kill(): Promise<void>;
  /** What the emulator wrote to stderr so far (for failure messages). */
  stderr(): string;
}

const BIN = fileURLToPath(new URL('../bin/servicebus-emulator.js', import.meta.url));

/**
 * Starts the emulator as its own process, the way tests and the local stack should run it
 * (its rhea workarounds are process-wide), and waits for its ready line.
 */
export async function spawnEmulator(options: SpawnOptions = {}): Promise<SpawnedEmulator> {
  const args = [...(options.nodeArgs ?? []), BIN, '--port', String(options.port ?? 0)];
  if (options.adminPort !== null) args.push('--admin-port', String(options.adminPort ?? 0));
  if (options.topology) args.push('--topology', options.topology);
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const info = await new Promise<ReadyInfo>((resolve, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? 20_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emulator not ready after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const ready = parseReadyLine(line);
      if (!ready) return;
      clearTimeout(timer);
      resolve(ready);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with code ${String(code)} before it was ready\n${stderr}`));
    });
  });

  return {
    ...info,
    child,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}
