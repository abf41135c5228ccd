// The real bin as a child process: what an operator sees for bad arguments and a missing stack.
// Readable one-liners on stderr, a non-zero exit code, no stack trace.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/tapctl.js', import.meta.url));
const REQUEST_ID = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';

interface Run { code: number | null; stdout: string; stderr: string }

function tapctl(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    // npm_lifecycle_event cleared: the test runner may itself run under `pnpm test`.
    const env = { ...process.env, npm_lifecycle_event: '', TAPCTL_DEBUG: '' };
    execFile(process.execPath, [BIN, ...args], { cwd, env, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function expectOneReadableLine(run: Run): void {
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^tapctl: /);
  expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-bin-'));
  // A workspace root of its own, so the upward search stops here and not in the real checkout.
  await writeFile(path.join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  await mkdir(path.join(dir, 'sub', 'deeper'), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tapctl bin', () => {
  it('prints readable help and exits 0', async () => {
    const run = await tapctl(['--help'], dir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: tapctl');
    expect(run.stdout).toMatch(/simulate \[options\]/);
    expect(run.stdout).toMatch(/status <requestId>/);
    const sub = await tapctl(['simulate', '--help'], dir);
    expect(sub.stdout).toContain('--requestor <upn-or-id>');
    expect(sub.stdout).toContain('--stack <path>'); // global options shown with the command
  });

  it('refuses bad arguments with a one-line reason and exit code 2', async () => {
    const runs = await Promise.all([
      tapctl(['simulate', '--target', 'alice.novak'], dir),
      tapctl(['simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak', '--stage', 'assignmentRequestDone'], dir),
      tapctl(['simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak', '--timeout', 'soon'], dir),
      tapctl(['status', 'not-a-guid'], dir),
      tapctl(['stauts', REQUEST_ID], dir),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(runs[0]?.stderr).toContain("required option '--requestor <upn-or-id>' not specified");
    expect(runs[1]?.stderr).toContain('Allowed choices are assignmentRequestCreated');
    expect(runs[2]?.stderr).toContain("option '--timeout <seconds>' argument 'soon' is invalid");
    expect(runs[3]?.stderr).toContain('the request id must be a GUID');
    expect(runs[4]?.stderr).toContain("unknown command 'stauts'");
    for (const run of runs.slice(0, 4)) expectOneReadableLine(run);
    for (const run of runs) expect(run.stdout).toBe('');
  });

  it('says where it looked when no stack file exists, from any directory under the root', async () => {
    const [fromRoot, fromBelow, explicit] = await Promise.all([
      tapctl(['simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak'], dir),
      tapctl(['status', REQUEST_ID, '--json'], path.join(dir, 'sub', 'deeper')),
      tapctl(['--stack', 'elsewhere/stack.json', 'status', REQUEST_ID], dir),
    ]);
    expect(fromRoot).toMatchObject({ code: 1, stdout: '' });
    expect(fromRoot.stderr).toBe('tapctl: no local stack found at .local/stack.json: run `pnpm start` first\n');
    expect(fromBelow.code).toBe(1);
    expect(fromBelow.stderr).toBe(`tapctl: no local stack found at ${path.join(dir, '.local', 'stack.json')}: run \`pnpm start\` first\n`);
    expect(explicit.stderr).toBe('tapctl: no local stack found at elsewhere/stack.json: run `pnpm start` first\n');
  });
});
