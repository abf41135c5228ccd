// The tapctl bin run to completion as a real child process, and where the workspace bins it tests
// against live. Starting the stand-ins is @tapline/test-harness's job.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const binDir = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
export const TAPCTL_BIN = fileURLToPath(new URL('../../bin/tapctl.js', import.meta.url));

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
