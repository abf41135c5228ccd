import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clientFor, countsOf, startTestEmulator, useTestEmulator } from './helpers.js';

const BIN = fileURLToPath(new URL('../bin/servicebus-emulator.js', import.meta.url));
const sb = useTestEmulator();
const scratch = mkdtempSync(path.join(tmpdir(), 'sb-emulator-cli-'));

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs the CLI to completion (bounded) and returns its exit code and stderr. */
function runCli(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe('admin endpoint', () => {
  it('reports active, scheduled, deferred and dead-lettered counts per queue, and purges', async () => {
    const base = `http://127.0.0.1:${sb.emulator.adminPort}`;
    const sender = sb.client.createSender('admin');
    await sender.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }, { body: 4 }]);
    await sender.scheduleMessages({ body: 'later' }, new Date(Date.now() + 3_600_000));
    const receiver = sb.client.createReceiver('admin');
    const [a, b] = await receiver.receiveMessages(2, { maxWaitTimeInMs: 5_000 });
    await receiver.deferMessage(a!);
    await receiver.deadLetterMessage(b!, { deadLetterReason: 'Test', deadLetterErrorDescription: 'admin counts' });

    expect(await countsOf(sb.emulator, 'admin')).toEqual({ active: 2, scheduled: 1, deferred: 1, deadLettered: 1, locked: 0 });
    const all = (await (await fetch(`${base}/queues`)).json()) as { queues: Record<string, unknown> };
    expect(Object.keys(all.queues)).toContain('admin');
    expect(all.queues.admin).toEqual({ active: 2, scheduled: 1, deferred: 1, deadLettered: 1, locked: 0 });
    expect((await fetch(`${base}/queues/nope`)).status).toBe(404);
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });

    const purge = await fetch(`${base}/queues/admin/purge`, { method: 'POST' });
    expect(await purge.json()).toEqual({ purged: 5 });
    expect(await countsOf(sb.emulator, 'admin')).toEqual({ active: 0, scheduled: 0, deferred: 0, deadLettered: 0, locked: 0 });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
  });

  it('reports the process CPU time for benchmarks', async () => {
    const stats = (await (await fetch(`http://127.0.0.1:${sb.emulator.adminPort}/stats`)).json()) as { pid: number; cpu: { userMicros: number } };
    expect(stats.pid).toBe(sb.emulator.child.pid);
    expect(stats.cpu.userMicros).toBeGreaterThan(0);
  });
});

describe('command line', () => {
  it('exits 0 on SIGTERM and on SIGINT, even with a client connected', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const other = await startTestEmulator();
      const otherClient = clientFor(other);
      await otherClient.createSender('roundtrip').sendMessages({ body: 'connected' });
      const started = Date.now();
      other.child.kill(signal);
      const code = await new Promise<number | null>((resolve) => other.child.once('exit', resolve));
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(5_000);
      await otherClient.close().catch(() => undefined);
    }
  });

  it('fails with a clear message for a bad topology file', async () => {
    const bad = path.join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify({ queues: { q: { lockDuration: '1 minute' } } }));
    const result = await runCli(['--port', '0', '--topology', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('lockDuration');
  });

  it('fails when the port is taken', async () => {
    const result = await runCli(['--port', String(sb.emulator.port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('EADDRINUSE');
  });
});
