// Real processes for the integration tests: each started from its bin, on a free loopback port,
// its ready line awaited with a deadline, and every line it writes kept for the log scan.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const BIN_DIR = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
export const NOTIFIER_BIN = fileURLToPath(new URL('../../bin/notifier.js', import.meta.url));

export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** The ready line's match. */
  readonly ready: RegExpMatchArray;
  /** Everything it wrote so far, stdout and stderr. */
  readonly lines: string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
  readonly exited: Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

export function binPath(name: string): string {
  return `${BIN_DIR}${name}`;
}

export async function startProcess(options: {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  ready: RegExp;
  readyTimeoutMs?: number;
  /** Where logs of every process started go (the scan reads them all). */
  logSink: Map<string, string[]>;
}): Promise<Proc> {
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const lines: string[] = [];
  const key = `${options.name}#${options.logSink.size}`;
  options.logSink.set(key, lines);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let readyResolve: (m: RegExpMatchArray) => void = () => undefined;
  const readyPromise = new Promise<RegExpMatchArray>((resolve) => { readyResolve = resolve; });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const m = options.ready.exec(line);
        if (m) readyResolve(m);
      }
    });
  }
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    readyPromise,
    exited.then((code) => new Error(`${options.name} exited (${String(code)}) before ready:\n${lines.slice(-20).join('\n')}`)),
    new Promise<Error>((resolve) => { timer = setTimeout(() => resolve(new Error(`${options.name} not ready within ${timeoutMs} ms:\n${lines.slice(-20).join('\n')}`)), timeoutMs); }),
  ]);
  clearTimeout(timer);
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  const proc: Proc = {
    name: options.name,
    child,
    ready: outcome instanceof Error ? ([] as unknown as RegExpMatchArray) : outcome,
    lines,
    exited,
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    async kill() {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  if (outcome instanceof Error) {
    await proc.kill();
    throw outcome;
  }
  return proc;
}

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; ; i++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
