// The Function App package azd deploys (scripts/package-azure.ts): built here, then loaded the way
// the Functions host loads it, with plain Node 22 (no tsx: the bundle must stand alone), the real
// @azure/functions as its only package and a fake host core that records what registers.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@tapline/test-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../src/routes.js';
import { packageForAzure } from '../scripts/package-azure.js';
import { loadAsTheHost } from './helpers/load-as-host.js';
import type { Registration } from './helpers/load-as-host.js';

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'tapline-intake-package-'));
  await packageForAzure(dir);
  // What `npm install` puts there in Azure: the pinned @azure/functions, here the workspace's copy.
  const real = path.dirname(createRequire(path.join(serviceDir, 'package.json')).resolve('@azure/functions/package.json'));
  mkdirSync(path.join(dir, 'node_modules/@azure'), { recursive: true });
  symlinkSync(real, path.join(dir, 'node_modules/@azure/functions'));
}, 60_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function loadAsTheHostWould(): Promise<{ registrations: Registration[]; version: string; stderr: string }> {
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string };
  // Azure-shaped settings; the managed-identity endpoint is a closed loopback port, so the warm-up
  // connection fails at once and nothing leaves the machine.
  const loaded = await loadAsTheHost({
    args: ['--input-type=module', '--eval', `console.log('NODE ' + process.version); await import(${JSON.stringify(path.join(dir, pkg.main))});`],
    cwd: dir,
    timeoutMs: 25_000,
    env: {
      PATH: process.env.PATH,
      SERVICEBUS_NAMESPACE: '127.0.0.1',
      INTAKE_MANAGED_IDENTITY_CLIENT_ID: '3d5e7f91-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
      IDENTITY_ENDPOINT: `http://127.0.0.1:${await freePort()}/msi/token`,
      IDENTITY_HEADER: 'unused',
      INTAKE_TENANT_ID: '8f0a5b2e-5c3d-4e61-9a0b-1c2d3e4f5a6b',
      INTAKE_AUDIENCE: 'api://8f0a5b2e-5c3d-4e61-9a0b-1c2d3e4f5a6b/tapline-intake-test',
      INTAKE_ALLOWED_CALLERS: '3d5e7f91-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
      LOG_LEVEL: 'silent',
    },
  });
  return { registrations: loaded.registrations, version: /NODE (v\S+)/.exec(loaded.stdout)?.[1] ?? '', stderr: loaded.stderr };
}

describe('the Function App package', () => {
  it('holds only the bundle, host.json and a package.json naming @azure/functions, pinned as the service pins it', () => {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; type: string };
    const own = JSON.parse(readFileSync(path.join(serviceDir, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(pkg).toMatchObject({ main: 'dist/functions.js', type: 'module', dependencies: { '@azure/functions': own.dependencies['@azure/functions'] } });
    expect(Object.keys(pkg.dependencies)).toEqual(['@azure/functions']);
    expect(readFileSync(path.join(dir, 'host.json'), 'utf8')).toBe(readFileSync(path.join(serviceDir, 'host.json'), 'utf8'));
  });

  it('loads under Node 22 with the real @azure/functions and registers its HTTP triggers', async () => {
    const { registrations, version, stderr } = await loadAsTheHostWould();
    expect(version).toMatch(/^v22\./);
    expect(stderr).not.toMatch(/test mode|Skipping call to register/);
    const registered = registrations.map(({ metadata }) => {
      const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in');
      return { name: metadata.name, type: trigger?.type, route: trigger?.route, methods: trigger?.methods };
    });
    expect(registered).toEqual(routes.map((r) => ({ name: r.name, type: 'httpTrigger', route: r.route, methods: [...r.methods] })));
  }, 40_000);
});
