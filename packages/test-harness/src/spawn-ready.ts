import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to this process's environment (or the whole environment, with `inheritEnv: false`). */
  readonly env?: NodeJS.ProcessEnv;
  /** Default true: start from `process.env`. False when the caller built the whole environment. */
  readonly inheritEnv?: boolean;
  readonly cwd?: string;
  /** A name for error messages; default the command. */
  readonly name?: string;
  /** How long `stop()` waits after SIGTERM before SIGKILL. Default 5 s. */
  readonly stopGraceMs?: number;
  /** Keep at most this many of the newest lines. Default 100,000 (log scans read them all). */
  readonly maxLines?: number;
}

export interface SpawnReadyOptions extends SpawnOptions {
  /** Matched against every line on stdout and stderr; the first match makes the process ready. */
  readonly readyLine: RegExp;
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

export interface SpawnedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Every line it wrote so far, stdout and stderr in arrival order (a live array). */
  readonly lines: string[];
  /** Those lines joined, or only one stream's. */
  output(stream?: 'stdout' | 'stderr'): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** `signal` (default SIGTERM), then SIGKILL after `graceMs`; resolves with the exit. */
  stop(options?: { signal?: NodeJS.Signals; graceMs?: number }): Promise<Exit>;
  /** SIGKILL (a crash); resolves when it has exited. */
  kill(): Promise<Exit>;
}

export interface ReadyProcess extends SpawnedProcess {
  /** The ready line's match. */
  readonly match: RegExpMatchArray;
}

/** Starts a process with piped output, keeping its lines; does not wait for anything. */
export function spawnProcess(options: SpawnOptions): SpawnedProcess {
  return launch(options).spawned;
}

function launch(options: SpawnOptions): { spawned: SpawnedProcess; onLine: (listener: ((line: string) => void) | undefined) => void } {
  const name = options.name ?? options.command;
  const maxLines = options.maxLines ?? 100_000;
  const child = spawn(options.command, [...(options.args ?? [])], {
    cwd: options.cwd,
    env: options.inheritEnv === false ? options.env : { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let listener: ((line: string) => void) | undefined;
  const byStream = { stdout: [] as string[], stderr: [] as string[] };
  for (const stream of ['stdout', 'stderr'] as const) {
    createInterface({ input: child[stream] }).on('line', (line) => {
      for (const kept of [lines, byStream[stream]]) {
        kept.push(line);
        if (kept.length > maxLines) kept.shift();
      }
      listener?.(line);
    });
  }
  // 'close', not 'exit': by then every line it wrote has been read, so a test that awaits the exit
  // can assert on its last lines.
  const exited = new Promise<Exit>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    // A command that cannot start never exits; report it as an exit so no wait hangs on it.
    child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
  const alive = (): boolean => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const spawned: SpawnedProcess = {
    name,
    child,
    lines,
    output: (stream) => (stream === undefined ? lines : byStream[stream]).join('\n'),
    exited,
    async stop({ signal = 'SIGTERM', graceMs = options.stopGraceMs ?? 5_000 } = {}) {
      if (!alive()) return exited;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
    async kill() {
      if (alive()) child.kill('SIGKILL');
      return exited;
    },
  };
  return { spawned, onLine: (next) => { listener = next; } };
}

/**
 * Starts a process and waits, with a deadline, for a line matching `readyLine`. If it exits first
 * or the deadline passes, it is killed and the error carries its last lines.
 */
export async function spawnReady(options: SpawnReadyOptions): Promise<ReadyProcess> {
  const { spawned, onLine } = launch(options);
  const timeoutMs = options.timeoutMs ?? 30_000;
  const tail = (): string => spawned.lines.slice(-40).join('\n');
  let timer: NodeJS.Timeout | undefined;
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      onLine(undefined);
    };
    onLine((line) => {
      const found = options.readyLine.exec(line);
      if (found === null) return;
      done();
      resolve(found);
    });
    timer = setTimeout(() => {
      done();
      reject(new Error(`${spawned.name} not ready within ${timeoutMs} ms:\n${tail()}`));
    }, timeoutMs);
    void spawned.exited.then(({ code, signal }) => {
      done();
      reject(new Error(`${spawned.name} exited (${String(code ?? signal)}) before it was ready:\n${tail()}`));
    });
  }).catch(async (error: unknown) => {
    await spawned.kill();
    throw error;
  });
  return { ...spawned, match };
}
