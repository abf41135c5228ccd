// Runs the stack's processes: start in order, wait for readiness, prefix and file their logs,
// and stop them all (no orphans) on the first signal or when one of them dies.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** A line on stdout or stderr that says the process accepts work. */
  readyLine: RegExp;
  readyTimeoutMs?: number;
  /** Restart after an unexpected exit, as Container Apps would (services only). */
  restartOnExit?: boolean;
}

export interface RunningProcess {
  spec: ProcessSpec;
  /** Replaced when a restartable process is started again. */
  child: ChildProcess;
  /** The match of `readyLine`, so callers can read ports a process printed. */
  ready: RegExpMatchArray;
}

export interface SupervisorOptions {
  logsDir: string;
  /** Where prefixed lines go; null keeps the console quiet (tests). */
  echo: NodeJS.WritableStream | null;
  /** A process without a restart policy died: the stack cannot go on. */
  onFatalExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
  /** A restartable process was started again (its pid changed). */
  onRestart?: (proc: RunningProcess) => void;
}

/** At most this many restarts of one process per minute, so a crash loop ends the stack. */
const MAX_RESTARTS_PER_MINUTE = 20;

const COLORS = [36, 35, 33, 32, 34, 31, 96, 95];

export class StartupError extends Error {
  constructor(readonly processName: string, message: string, readonly recentLines: string[]) {
    super(message);
    this.name = 'StartupError';
  }
}

export function createSupervisor(options: SupervisorOptions) {
  const running: RunningProcess[] = [];
  const logs: WriteStream[] = [];
  let stopping = false;

  async function start(spec: ProcessSpec): Promise<RunningProcess> {
    const color = COLORS[running.length % COLORS.length] ?? 36;
    const prefix = options.echo && 'isTTY' in options.echo && options.echo.isTTY
      ? `\x1b[${color}m${spec.name.padEnd(10)}\x1b[0m | `
      : `${spec.name.padEnd(10)} | `;
    const log = createWriteStream(path.join(options.logsDir, `${spec.name}.log`), { flags: 'a' });
    logs.push(log);
    const restarts: number[] = [];

    const launch = async (): Promise<RunningProcess> => {
      const child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        // Read by bin/exit-with-parent.js: the child stops itself once this process is gone.
        env: { ...process.env, ...spec.env, TAPLINE_SUPERVISOR_PID: String(process.pid) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const recent: string[] = [];
      let onLine: ((line: string) => void) | undefined;
      for (const stream of [child.stdout, child.stderr]) {
        createInterface({ input: stream }).on('line', (line) => {
          log.write(`${line}\n`);
          options.echo?.write(`${prefix}${line}\n`);
          recent.push(line);
          if (recent.length > 20) recent.shift();
          onLine?.(line);
        });
      }
      const timeoutMs = spec.readyTimeoutMs ?? 30_000;
      const ready = await new Promise<RegExpMatchArray>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new StartupError(spec.name, `${spec.name} was not ready within ${timeoutMs} ms`, recent));
        }, timeoutMs);
        const exited = (code: number | null) => {
          clearTimeout(timer);
          reject(new StartupError(spec.name, `${spec.name} exited (code ${code}) before it was ready`, recent));
        };
        child.once('exit', exited);
        child.once('error', (err) => {
          clearTimeout(timer);
          reject(new StartupError(spec.name, `${spec.name} could not start: ${err.message}`, recent));
        });
        onLine = (line) => {
          const match = spec.readyLine.exec(line);
          if (match) {
            clearTimeout(timer);
            child.off('exit', exited);
            onLine = undefined;
            resolve(match);
          }
        };
      }).catch((err: unknown) => {
        child.kill('SIGKILL');
        throw err;
      });
      return { spec, child, ready };
    };

    const proc = await launch();
    running.push(proc);
    const watch = (child: ChildProcess) => {
      child.once('exit', (code, signal) => {
        if (stopping) return;
        const now = Date.now();
        while (restarts.length > 0 && (restarts[0] ?? 0) < now - 60_000) restarts.shift();
        if (!spec.restartOnExit || restarts.length >= MAX_RESTARTS_PER_MINUTE) {
          options.onFatalExit?.(spec.name, code, signal);
          return;
        }
        restarts.push(now);
        log.write(`--- ${spec.name} exited (${signal ?? `code ${code}`}); restarting ---\n`);
        options.echo?.write(`${prefix}exited (${signal ?? `code ${code}`}); restarting\n`);
        launch().then((next) => {
          if (stopping) { next.child.kill('SIGTERM'); return; }
          proc.child = next.child;
          proc.ready = next.ready;
          watch(next.child);
          options.onRestart?.(proc);
        }, () => {
          // It could not come back (the StartupError's lines are in its log file): give up.
          if (!stopping) options.onFatalExit?.(spec.name, null, null);
        });
      });
    };
    watch(proc.child);
    return proc;
  }

  /** SIGTERM in reverse start order, then SIGKILL whatever outlives the grace period. */
  async function stopAll(graceMs = 5_000): Promise<void> {
    stopping = true;
    for (const proc of [...running].reverse()) {
      await stopOne(proc, graceMs);
    }
    running.length = 0;
    await Promise.all(logs.map((l) => new Promise<void>((resolve) => l.end(resolve))));
  }

  return { start, stopAll, running: running as readonly RunningProcess[] };
}

export async function stopOne(proc: { child: ChildProcess }, graceMs: number): Promise<void> {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
