// tapctl as an on-call engineer runs it: the real bin as a child process against a test stack's
// stack file. Every run's stdout and stderr is kept, so a suite can scan all of it for secrets.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const TAPCTL_BIN = fileURLToPath(new URL('../../../packages/tapctl/bin/tapctl.js', import.meta.url));

export interface TapctlRun {
  readonly args: readonly string[];
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Tapctl {
  run(args: readonly string[], timeoutMs?: number): Promise<TapctlRun>;
  /** Runs with --json and parses the last stdout line. */
  json<T>(args: readonly string[], timeoutMs?: number): Promise<{ run: TapctlRun; doc: T }>;
  /** Starts a run without waiting for it (to kill it). */
  start(args: readonly string[]): { child: ChildProcess; done: Promise<TapctlRun> };
  /** Every run so far. */
  readonly runs: TapctlRun[];
}

export function tapctl(stackFile: string, operator = 'oncall.tester'): Tapctl {
  const runs: TapctlRun[] = [];
  const start = (args: readonly string[], timeoutMs = 240_000) => {
    const full = [...args, '--stack', stackFile, ...(needsOperator(args) ? ['--as', operator] : [])];
    const child = spawn(process.execPath, [TAPCTL_BIN, ...full], {
      env: { ...process.env, npm_lifecycle_event: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = new Promise<TapctlRun>((resolve) => {
      child.once('close', (code) => {
        clearTimeout(timer);
        const run = { args: full, code, stdout, stderr };
        runs.push(run);
        resolve(run);
      });
    });
    return { child, done };
  };
  const api: Tapctl = {
    runs,
    start,
    run: (args, timeoutMs) => start(args, timeoutMs).done,
    async json<T>(args: readonly string[], timeoutMs?: number) {
      const run = await api.run([...args, '--json'], timeoutMs);
      const last = run.stdout.trim().split('\n').pop() ?? '';
      try {
        return { run, doc: JSON.parse(last) as T };
      } catch {
        throw new Error(`tapctl ${args.join(' ')} exited ${String(run.code)} without a JSON document: ${run.stderr.slice(0, 500)}`);
      }
    },
  };
  return api;
}

function needsOperator(args: readonly string[]): boolean {
  return args[0] === 'dlq' || args[0] === 'queues';
}
