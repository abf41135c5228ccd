// The Functions entry (package.json main -> functions.js -> src/functions.ts) registers exactly the
// route table the local host serves: run it as the host would load it, with a fake host core.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROUTE_PREFIX, routes } from '../src/routes.js';
import { loadAsTheHost } from './helpers/load-as-host.js';
import type { Registration } from './helpers/load-as-host.js';

const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function loadEntryAsTheHostWould(): Promise<Registration[]> {
  const pkg = JSON.parse(readFileSync(path.join(serviceDir, 'package.json'), 'utf8')) as { main: string };
  const { registrations } = await loadAsTheHost({
    args: [pkg.main],
    cwd: serviceDir,
    env: {
      ...process.env,
      SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true',
      INTAKE_TENANT_ID: '8f0a5b2e-5c3d-4e61-9a0b-1c2d3e4f5a6b',
      INTAKE_AUDIENCE: 'api://tapline-intake',
      INTAKE_ALLOWED_CALLERS: '3d5e7f91-2a4b-4c6d-8e0f-1a2b3c4d5e6f',
      LOG_LEVEL: 'silent',
    },
  });
  return registrations;
}

describe('Functions entry', () => {
  it('registers one HTTP function per route of the shared table, and nothing else', async () => {
    const registrations = await loadEntryAsTheHostWould();
    const registered = registrations.map(({ metadata, handlerType }) => {
      const trigger = Object.values(metadata.bindings).find((b) => b.direction === 'in');
      return { name: metadata.name, type: trigger?.type, route: trigger?.route, methods: trigger?.methods, authLevel: trigger?.authLevel, handlerType };
    });
    expect(registered).toEqual(
      routes.map((r) => ({ name: r.name, type: 'httpTrigger', route: r.route, methods: [...r.methods], authLevel: r.authLevel, handlerType: 'function' })),
    );
    expect(registered.map((r) => r.name)).toEqual(['tap-requests', 'health']);
  }, 30_000);

  it('host.json puts routes under the same prefix the local host serves', () => {
    const host = JSON.parse(readFileSync(path.join(serviceDir, 'host.json'), 'utf8')) as { version: string; extensions: { http: { routePrefix: string } } };
    expect(host.version).toBe('2.0');
    expect(host.extensions.http.routePrefix).toBe(ROUTE_PREFIX);
  });
});
