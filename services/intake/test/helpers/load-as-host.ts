// Loads a Functions entry in a child process the way the host would, with the stand-in host core
// (fake-functions-core.js) preloaded, and returns what it registered once it has finished loading.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const fakeCore = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fake-functions-core.js');

export interface Registration {
  metadata: { name: string; bindings: Record<string, { type: string; direction: string; route?: string; methods?: string[]; authLevel?: string }> };
  handlerType: string;
}

export interface Loaded {
  readonly registrations: Registration[];
  readonly stdout: string;
  readonly stderr: string;
}

/** `args` follow `node --import <fake core>`; the child must exit on its own within `timeoutMs`. */
export function loadAsTheHost(options: { args: readonly string[]; cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Loaded> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const child = spawn(process.execPath, ['--import', fakeCore, ...options.args], { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the entry did not finish loading within ${timeoutMs} ms\n${out}\n${err}`));
    }, timeoutMs);
    child.on('exit', () => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith('REGISTRATIONS '));
      if (line === undefined) reject(new Error(`no registrations printed\n${out}\n${err}`));
      else resolve({ registrations: JSON.parse(line.slice('REGISTRATIONS '.length)) as Registration[], stdout: out, stderr: err });
    });
  });
}
