import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_KEY, startAcsSimulator } from '../src/index.js';

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

describe('startAcsSimulator', () => {
  it('listens on a free loopback port, describes itself, and frees the port on close', async () => {
    const sim = await startAcsSimulator({ port: 0 });
    expect(sim.url).toBe(`http://127.0.0.1:${sim.port}`);
    expect(sim.connectionString).toBe(`endpoint=http://127.0.0.1:${sim.port}/;accesskey=${DEFAULT_ACCESS_KEY}`);
    expect((await fetch(`${sim.url}/_sim/health`)).status).toBe(200);
    await sim.close();
    expect(await portIsFree(sim.port)).toBe(true);
  });

  it('refuses a configuration that cannot work', async () => {
    await expect(startAcsSimulator({ accessKey: 'not base64!' })).rejects.toThrow(/base64/);
    await expect(startAcsSimulator({ smsPerMinute: 0 })).rejects.toThrow(/smsPerMinute/);
  });
});
