// The real sender against the emulator process: the shared conformance suite, plus what only a
// real connection can show (a broker that hangs, a broker that restarts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '@tapline/domain';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import { spawnEmulator } from '@tapline/servicebus-emulator';
import { createServiceBusRequestSender } from '../../src/queue/servicebus-sender.js';
import type { ApplicationPropertyValue, OutgoingRequest } from '../../src/queue/request-queue.js';
import { freePort, spawnReady } from '@tapline/test-harness';
import { QUEUE, QueueProbe, adminUrlOf, serviceDir, startEmulator } from '../helpers/stack.js';
import { describeSenderConformance } from './sender-conformance.js';
import type { ReceivedRequest } from './sender-conformance.js';
import path from 'node:path';

const BUDGET_MS = 800;
const connectionStringFor = (port: number) => `Endpoint=sb://127.0.0.1:${port};SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true`;

describeSenderConformance('Service Bus (emulator process)', async () => {
  const emulator = await startEmulator();
  const probe = new QueueProbe(emulator.connectionString, adminUrlOf(emulator));
  const sender = createServiceBusRequestSender({ connectionString: emulator.connectionString, queueName: QUEUE, budgetMs: BUDGET_MS });
  return {
    sender,
    async received(ids, atLeast) {
      const wanted = new Set(ids);
      const messages = await probe.receive(atLeast);
      return messages
        .filter((m) => wanted.has(String(m.messageId)))
        .map(
          (m): ReceivedRequest => ({
            messageId: String(m.messageId),
            correlationId: m.correlationId === undefined ? undefined : String(m.correlationId),
            contentType: m.contentType,
            body: m.body as unknown,
            applicationProperties: (m.applicationProperties ?? {}) as Record<string, ApplicationPropertyValue>,
          }),
        );
    },
    unreachableSender: async () => createServiceBusRequestSender({ connectionString: connectionStringFor(await freePort()), queueName: QUEUE, budgetMs: BUDGET_MS }),
    async close() {
      await sender.close();
      await probe.close();
      await emulator.stop();
    },
  };
});

function request(): OutgoingRequest {
  return { messageId: randomUUID(), correlationId: randomUUID(), body: '{"schemaVersion":1}', applicationProperties: {} };
}

describe('Service Bus sender, failure modes', () => {
  it('gives up within its budget on a broker that accepts TCP but never answers', async () => {
    const blackHole = await spawnReady({
      command: process.execPath,
      args: ['-e', "const s=require('net').createServer(()=>{});s.listen(0,'127.0.0.1',()=>console.log('ready '+s.address().port))"],
      readyLine: /ready (\d+)/,
    });
    const sender = createServiceBusRequestSender({ connectionString: connectionStringFor(Number(blackHole.match[1])), queueName: QUEUE, budgetMs: BUDGET_MS });
    try {
      const started = performance.now();
      const error = await sender.send(request()).then(() => undefined, (e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(isRetryable(error)).toBe(true);
      expect(elapsed).toBeGreaterThan(BUDGET_MS * 0.5);
      expect(elapsed).toBeLessThan(BUDGET_MS + 400);
    } finally {
      await sender.close().catch(() => undefined);
      await blackHole.stop();
    }
  });

  it('fails fast and not retryable when the queue does not exist', async () => {
    const emulator = await startEmulator();
    const sender = createServiceBusRequestSender({ connectionString: emulator.connectionString, queueName: 'no-such-queue', budgetMs: BUDGET_MS });
    try {
      const error = await sender.send(request()).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(isRetryable(error)).toBe(false);
      expect((error as Error).message).toMatch(/MessagingEntityNotFound/);
    } finally {
      await sender.close().catch(() => undefined);
      await emulator.stop();
    }
  });

  describe('across a broker restart', () => {
    let emulator: SpawnedEmulator;
    let port: number;
    let adminPort: number;
    beforeAll(async () => {
      [port, adminPort] = [await freePort(), await freePort()];
      emulator = await spawnEmulator({ port, adminPort, topology: path.join(serviceDir, '../../infra/topology.json') });
    });
    afterAll(async () => {
      await emulator.stop();
    });

    it('answers retryable while the broker is down, and sends again, on the same sender, once it is back', async () => {
      const sender = createServiceBusRequestSender({ connectionString: connectionStringFor(port), queueName: QUEUE, budgetMs: BUDGET_MS });
      try {
        await sender.send(request());
        await emulator.stop();
        const down = await sender.send(request()).then(() => undefined, (e: unknown) => e);
        expect(isRetryable(down)).toBe(true);

        emulator = await spawnEmulator({ port, adminPort, topology: path.join(serviceDir, '../../infra/topology.json') });
        const probe = new QueueProbe(emulator.connectionString, adminUrlOf(emulator));
        try {
          // Reconnection may take an attempt or two (the SDK notices the dead link lazily); bounded.
          const sent = request();
          let delivered = false;
          for (let attempt = 0; attempt < 20 && !delivered; attempt++) {
            delivered = await sender.send(sent).then(() => true, () => false);
            if (!delivered) await new Promise((resolve) => setTimeout(resolve, 100));
          }
          expect(delivered).toBe(true);
          const got = await probe.receive(1);
          expect(got.map((m) => m.messageId)).toContain(sent.messageId);
        } finally {
          await probe.close();
        }
      } finally {
        await sender.close();
      }
    }, 30_000);
  });
});
