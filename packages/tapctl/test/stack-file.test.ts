// Finding and reading `.local/stack.json`, in-process: lenient about extra keys, strict and
// readable about what a command needs, and never echoing a connection string.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLedger } from '@tapline/ledger';
import { loadStack } from '../src/index.js';
import { isOneReadableLine, run } from './helpers/run.js';
import { DEMO } from '@tapline/tenant-simulator/demo-org';

const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const REQUEST_ID = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-stack-'));
  await writeFile(path.join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  await mkdir(path.join(dir, '.local'));
  await mkdir(path.join(dir, 'packages', 'x'), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the stack file', () => {
  it('is found from a directory below the workspace root, and unknown keys are kept', async () => {
    const file = path.join(dir, '.local', 'stack.json');
    await writeFile(file, JSON.stringify({
      intake: { url: 'http://127.0.0.1:7071', pid: 42 },
      tables: { connectionString: 'UseDevelopmentStorage=true', tablePrefix: 'demo' },
      acs: { url: 'http://127.0.0.1:7400', connectionString: 'endpoint=http://127.0.0.1:7400/;accesskey=x' },
      somethingNew: { a: 1 },
    }));
    const loaded = await loadStack(path.join(dir, 'packages', 'x'));
    expect(loaded.file).toBe(file);
    expect(loaded.stack.tables).toEqual({ connectionString: 'UseDevelopmentStorage=true', tablePrefix: 'demo' });
    expect(loaded.stack.intake).toEqual({ url: 'http://127.0.0.1:7071', pid: 42 });
    expect(loaded.stack).toHaveProperty('somethingNew', { a: 1 });
  });

  it('hands the tables section to the ledger opener', async () => {
    const seen: unknown[] = [];
    const result = await run(['status', REQUEST_ID], {
      cwd: dir,
      openLedger: (tables) => {
        seen.push(tables);
        return Promise.resolve(createMemoryLedger());
      },
    });
    expect(seen).toEqual([{ connectionString: 'UseDevelopmentStorage=true', tablePrefix: 'demo' }]);
    expect(result).toMatchObject({ code: 1, stderr: `tapctl: request ${REQUEST_ID} is not in the ledger\n` });
  });

  it('explains an unusable file without echoing its secrets', async () => {
    const broken = path.join(dir, 'broken.json');
    await writeFile(broken, '{ "tables": ');
    const noTables = path.join(dir, 'no-tables.json');
    await writeFile(noTables, JSON.stringify({ intake: { url: 'http://127.0.0.1:1' } }));
    const badUrl = path.join(dir, 'bad-url.json');
    await writeFile(badUrl, JSON.stringify({ intake: { url: 'http://127.0.0.1:1' }, tenant: { url: `AccountKey=${ACCOUNT_KEY}` } }));
    const runs = [
      await run(['--stack', broken, 'status', REQUEST_ID], { cwd: dir }),
      await run(['--stack', noTables, 'status', REQUEST_ID], { cwd: dir }),
      await run(['--stack', badUrl, 'simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak'], { cwd: dir }),
      await run(['--stack', noTables, 'simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak', '--wait'], { cwd: dir }),
    ];
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1]);
    expect(runs[0]?.stderr).toBe('tapctl: the stack file broken.json is not readable JSON: restart `pnpm start` to rewrite it\n');
    expect(runs[1]?.stderr).toBe('tapctl: the stack file no-tables.json has no "tables" section: restart `pnpm start` to rewrite it\n');
    expect(runs[2]?.stderr).toBe('tapctl: the stack file bad-url.json is not usable: tenant.url must be an http(s) URL\n');
    expect(runs[3]?.stderr).toContain('has no "tenant" section');
    for (const r of runs) {
      expect(isOneReadableLine(r.stderr)).toBe(true);
      expect(r.stderr).not.toContain(ACCOUNT_KEY);
      expect(r.stdout).toBe('');
    }
  });

  it('names the service it cannot reach when the stack is not running', async () => {
    const port = await closedPort();
    const stack = path.join(dir, 'stopped.json');
    await writeFile(stack, JSON.stringify({
      intake: { url: `http://127.0.0.1:${port}` },
      tenant: { url: `http://127.0.0.1:${port}`, tenantId: DEMO.tenantId },
      tables: { connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;` },
    }));
    const simulate = await run(['--stack', stack, 'simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak', '--json'], { cwd: dir });
    const status = await run(['--stack', stack, 'status', REQUEST_ID], { cwd: dir });
    expect(simulate).toMatchObject({ code: 1, stdout: '' });
    expect(simulate.stderr).toBe(`tapctl: cannot reach the tenant simulator at http://127.0.0.1:${port} (ECONNREFUSED): is \`pnpm start\` running?\n`);
    expect(status).toMatchObject({ code: 1, stdout: '' });
    expect(isOneReadableLine(status.stderr)).toBe(true);
    expect(status.stderr).toContain('ledger unavailable');
    expect(status.stderr).not.toContain(ACCOUNT_KEY);
  });
});
