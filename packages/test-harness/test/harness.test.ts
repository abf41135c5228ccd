import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort, spawnReady, startAcsSimulator, startAzurite, startTenantSimulator, useManagedIdentityOf, waitFor } from '../src/index.js';

const node = (script: string) => ({ command: process.execPath, args: ['-e', script] });

describe('freePort', () => {
  it('gives a loopback port another server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', resolve);
    });
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});

describe('waitFor', () => {
  it('returns the first value other than undefined', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls === 3 ? 'done' : undefined), { intervalMs: 1 })).resolves.toBe('done');
    expect(calls).toBe(3);
  });

  it('times out naming what it waited for', async () => {
    const started = Date.now();
    await expect(waitFor(() => undefined, { timeoutMs: 100, intervalMs: 10, description: () => 'the moon' }))
      .rejects.toThrow('timed out after 100 ms waiting for the moon');
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
  });

  it('ends with the error of a condition that throws', async () => {
    await expect(waitFor(() => { throw new Error('exited early'); })).rejects.toThrow('exited early');
  });
});

describe('spawnReady', () => {
  it('resolves with the ready line match and keeps every line per stream', async () => {
    const p = await spawnReady({
      ...node("console.error('warming up'); console.log('thing ready port=4711'); setInterval(() => {}, 1000)"),
      readyLine: /ready port=(\d+)/,
    });
    expect(p.match[1]).toBe('4711');
    await waitFor(() => (p.lines.length === 2 ? true : undefined), { timeoutMs: 5_000 });
    expect(p.output('stderr')).toBe('warming up');
    expect(p.output('stdout')).toBe('thing ready port=4711');
    const exit = await p.stop();
    expect(exit.signal).toBe('SIGTERM');
  });

  it('passes env over the inherited environment', async () => {
    const p = await spawnReady({ ...node("console.log('ready ' + process.env.HARNESS_PROBE)"), env: { HARNESS_PROBE: 'yes' }, readyLine: /ready (\S+)/ });
    expect(p.match[1]).toBe('yes');
    expect((await p.exited).code).toBe(0);
  });

  it('fails with the last lines when the process exits before it is ready', async () => {
    await expect(spawnReady({ ...node("console.log('config error: no port'); process.exit(3)"), name: 'broken', readyLine: /ready/ }))
      .rejects.toThrow(/broken exited \(3\) before it was ready:\nconfig error: no port/);
  });

  it('kills a process that is not ready by the deadline', async () => {
    // The deadline leaves a loaded machine time to start node and print the pid.
    const error = await spawnReady({ ...node('console.log(process.pid); setInterval(() => {}, 1000)'), readyLine: /never/, timeoutMs: 3_000 })
      .then(() => undefined, (e: unknown) => e as Error);
    expect(error?.message).toMatch(/not ready within 3000 ms:\n\d+/);
    const pid = /:\n(\d+)/.exec(error?.message ?? '')?.[1];
    expect(() => process.kill(Number(pid), 0)).toThrow(); // gone: it was killed, not left behind
  });

  it('SIGKILLs after the grace period when SIGTERM is ignored', async () => {
    const p = await spawnReady({ ...node("process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"), readyLine: /ready/ });
    expect((await p.stop({ graceMs: 200 })).signal).toBe('SIGKILL');
  });
});

describe('useManagedIdentityOf', () => {
  it('points the identity variables at the simulator and restores them, unset ones too', () => {
    const before = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
    process.env.IDENTITY_ENDPOINT = 'http://elsewhere/token';
    delete process.env.IDENTITY_HEADER;
    try {
      const restore = useManagedIdentityOf({ url: 'http://127.0.0.1:1', identityHeader: 'h' });
      expect([process.env.IDENTITY_ENDPOINT, process.env.IDENTITY_HEADER]).toEqual(['http://127.0.0.1:1/msi/token', 'h']);
      restore();
      expect(process.env.IDENTITY_ENDPOINT).toBe('http://elsewhere/token');
      expect('IDENTITY_HEADER' in process.env).toBe(false);
    } finally {
      for (const [name, value] of [['IDENTITY_ENDPOINT', before.endpoint], ['IDENTITY_HEADER', before.header]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('the stand-ins', () => {
  it('starts the tenant simulator and talks to its /_sim API', async () => {
    const sim = await startTenantSimulator(['--no-throttle']);
    try {
      expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
      expect(sim.tenantId).toMatch(/^[0-9a-f-]{36}$/);
      const info = await sim.sim<{ tenantId: string }>('GET', 'info');
      expect(info).toMatchObject({ status: 200, body: { tenantId: sim.tenantId } });
    } finally {
      await sim.stop();
    }
  });

  it('starts the ACS simulator with its connection string', async () => {
    const acs = await startAcsSimulator(['--access-key', 'aGFybmVzcw==']);
    try {
      expect(acs.connectionString).toBe(`endpoint=${acs.url}/;accesskey=aGFybmVzcw==`);
      expect(acs.accessKey).toBe('aGFybmVzcw==');
      expect((await fetch(`${acs.url}/_sim/outbox`)).status).toBe(200);
    } finally {
      await acs.stop();
    }
  });

  it('starts Azurite tables and answers on its port', async () => {
    const azurite = await startAzurite();
    try {
      expect(azurite.connectionString).toContain(`TableEndpoint=http://127.0.0.1:${azurite.port}/devstoreaccount1;`);
      const res = await fetch(`http://127.0.0.1:${azurite.port}/devstoreaccount1/Tables`);
      expect(res.status).toBeGreaterThanOrEqual(200);
    } finally {
      await azurite.stop();
    }
  });
});
