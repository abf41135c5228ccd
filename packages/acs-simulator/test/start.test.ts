import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACCESS_KEY, startAcsSimulator } from '../src/index.js';
import { signedFetch } from './helpers/signed-fetch.js';

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
    await expect(startAcsSimulator({ smsSenders: ['+1 8005550100'] })).rejects.toThrow(/E\.164/);
  });

  it('tells email clients to wait one second between polls by default, like a real service would', async () => {
    const sim = await startAcsSimulator();
    try {
      const body = JSON.stringify({ senderAddress: 'DoNotReply@tapline.example', content: { subject: 's', plainText: 'b' }, recipients: { to: [{ address: 'a@contoso.example' }] } });
      const res = await signedFetch(sim.url, DEFAULT_ACCESS_KEY, '/emails:send?api-version=2025-09-01', { body });
      expect(res.status).toBe(202);
      expect(res.headers.get('retry-after')).toBe('1');
    } finally {
      await sim.close();
    }
  });
});
