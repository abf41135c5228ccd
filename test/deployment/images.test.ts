// The worker's and notifier's images without a Docker engine: each Dockerfile is read, its
// `pnpm deploy` step run as written (production dependencies only), and its CMD started from that
// output with plain Node 22 against a local stack, as the container would run it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '@tapline/local-stack';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import { spawnProcess, spawnReady } from '@tapline/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack } from '../e2e/support/test-stack.js';
import type { TestStack } from '../e2e/support/test-stack.js';
import { parseDockerfile } from './dockerfile.js';

let stack: TestStack;
const outputs: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ name: 'images' });
}, 120_000);

afterAll(async () => {
  await stack?.dispose();
  for (const dir of outputs) rmSync(dir, { recursive: true, force: true });
});

/** What the stack gives its own copy of the service (its stack.json and its data dir). */
function stackEnvironment(service: 'worker' | 'notifier'): NodeJS.ProcessEnv {
  const { info } = stack;
  const sealing = JSON.parse(readFileSync(path.join(stack.dataDir, 'sealing-key.json'), 'utf8')) as { kid: string; key: string };
  const common = {
    PATH: process.env.PATH,
    SERVICEBUS_CONNECTION_STRING: info.serviceBus.connectionString,
    TABLES_CONNECTION_STRING: info.tables.connectionString,
    GRAPH_BASE_URL: info.tenant.url,
    IDENTITY_ENDPOINT: `${info.tenant.url}/msi/token`,
    IDENTITY_HEADER: 'tenant-simulator-identity-header',
    TAPLINE_SEALING_KEYS: `${sealing.kid}:${sealing.key}`,
    TAPLINE_SEALING_ACTIVE_KID: sealing.kid,
  };
  return service === 'worker'
    ? { ...common, WORKER_SERVED_ACCESS_PACKAGE_IDS: DEMO.tapAccessPackage.id }
    : { ...common, ACS_CONNECTION_STRING: info.acs.connectionString, ACS_SMS_FROM: '+18005550100', ACS_EMAIL_SENDER: 'DoNotReply@tapline.example' };
}

describe.each(['worker', 'notifier'] as const)('the %s image', (service) => {
  const dockerfile = parseDockerfile(readFileSync(path.join(repoRoot, 'services', service, 'Dockerfile'), 'utf8'));
  const runtime = dockerfile.stages.at(-1)!;

  it('runs Node 22 slim as a non-root user, production dependencies only, from the pnpm deploy output', () => {
    expect(dockerfile.stages.every((s) => /^node:22(\.\d+)*-slim$/.test(s.from))).toBe(true);
    expect(runtime.user).toBe('node');
    expect(runtime.env).toMatchObject({ NODE_ENV: 'production' });
    expect(dockerfile.deploy).toEqual({ filter: `@tapline/${service}`, out: '/out' });
    expect(runtime.copies).toContainEqual(expect.objectContaining({ from: dockerfile.stages[0]!.name, source: '/out', destination: '.' }));
    expect(runtime.cmd).toEqual(['node', `bin/${service}.js`]);
  });

  it('starts its CMD from the pnpm deploy output with plain node against the local stack, and stops on SIGTERM', async () => {
    const step = dockerfile.deploy;
    if (step === undefined) throw new Error(`services/${service}/Dockerfile has no pnpm deploy step`);
    const out = mkdtempSync(path.join(tmpdir(), `tapline-${service}-image-`));
    outputs.push(out);
    rmSync(out, { recursive: true, force: true });
    const deploy = spawnProcess({ command: 'pnpm', args: ['--filter', step.filter, '--prod', 'deploy', out], cwd: repoRoot, name: 'pnpm deploy' });
    expect((await deploy.exited).code, deploy.output()).toBe(0);
    // Production only: no test tooling in the image.
    const pkg = JSON.parse(readFileSync(path.join(out, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
    expect(Object.keys(pkg.devDependencies ?? {})).toEqual([]);

    const [command, ...args] = runtime.cmd;
    expect(command).toBe('node');
    const started = await spawnReady({
      command: process.execPath, // the workspace's Node 22: `node` in the image
      args,
      cwd: out, // WORKDIR /app
      env: { ...stackEnvironment(service), LOG_LEVEL: 'info', [`${service.toUpperCase()}_METRICS_PORT`]: '0' },
      inheritEnv: false,
      readyLine: new RegExp(`${service} ready metrics=(\\S+)`),
      timeoutMs: 60_000,
      name: `${service} (image)`,
    });
    let exit: Awaited<ReturnType<typeof started.stop>>;
    try {
      // Up and serving: its metrics endpoint answers.
      const metrics = await fetch(started.match[1]!, { signal: AbortSignal.timeout(10_000) });
      expect(metrics.status).toBe(200);
    } finally {
      // Stopped even when an assertion above failed: no process outlives the test.
      exit = await started.stop({ graceMs: 20_000 });
    }
    expect(exit, started.output()).toEqual({ code: 0, signal: null });
  }, 150_000);
});
