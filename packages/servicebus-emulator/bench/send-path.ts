/**
 * The broker's own work per sent message, in process and without sockets: batch envelopes built
 * by the real SDK (as `sendMessages(array)` sends them, intake-shaped messages, 30 per batch) go
 * through `receiveSend` (split, parse, duplicate detection, enqueue, disposition) into a fresh
 * `tap-requests` queue, five rounds. Steadier than send-cpu.ts for comparing changes; it leaves
 * out rhea's framing, the socket and the kernel, which send-cpu.ts counts.
 *
 *   node --expose-gc --import tsx packages/servicebus-emulator/bench/send-path.ts
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { receiveSend } from '../src/amqp/incoming.js';
import type { EventContext } from '../src/amqp/rhea.js';
import { spawnEmulator } from '../src/index.js';
import { inMemory } from '../src/queue/persistence.js';
import { Queue } from '../src/queue/queue.js';
import { defaultTopologyPath, loadTopology } from '../src/topology.js';
import { intakeMessage } from './intake-message.js';

const MESSAGES = 21_000;
const BATCH = 30;
const ROUNDS = 5;
const BATCH_FORMAT = 0x80013700;

/** The envelopes the SDK would put on the wire; the emulator is only needed to open a sender link. */
async function envelopes(): Promise<Buffer[]> {
  const emulator = await spawnEmulator({ adminPort: null });
  const client = new ServiceBusClient(emulator.connectionString);
  try {
    const sender = client.createSender('tap-requests');
    const out: Buffer[] = [];
    for (let i = 0; i < MESSAGES; i += BATCH) {
      const batch = await sender.createMessageBatch();
      for (let k = 0; k < BATCH; k++) {
        const message: ServiceBusMessage = intakeMessage(i + k);
        if (!batch.tryAddMessage(message)) throw new Error('batch full');
      }
      out.push((batch as unknown as { _generateMessage(): Buffer })._generateMessage());
    }
    return out;
  } finally {
    await client.close();
    await emulator.stop();
  }
}

const config = loadTopology(defaultTopologyPath).find((q) => q.name === 'tap-requests')!;
const payloads = await envelopes();
let settled = 0;
const delivery = { update: () => void settled++ };
const gc = (globalThis as { gc?: () => void }).gc;
const results: { us: number; cpuUs: number }[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const queue = new Queue(config, inMemory);
  gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const payload of payloads) {
    receiveSend({ delivery, message: payload, format: BATCH_FORMAT } as unknown as EventContext, queue);
  }
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const stored = queue.counts().active;
  if (stored !== MESSAGES) throw new Error(`expected ${MESSAGES} stored, found ${stored}`);
  results.push({ us: (elapsedMs * 1000) / MESSAGES, cpuUs: (used.user + used.system) / MESSAGES });
}
if (settled !== ROUNDS * payloads.length) throw new Error('not every transfer was settled');
const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(' ');
console.log(`send-path: ${MESSAGES} messages in batches of ${BATCH}, ${ROUNDS} rounds (the first warms up)`);
console.log(`  us/message wall: ${fmt(results.map((r) => r.us))}`);
console.log(`  us/message cpu:  ${fmt(results.map((r) => r.cpuUs))}`);
console.log(`  best of rounds 2-${ROUNDS}: ${Math.min(...results.slice(1).map((r) => r.us)).toFixed(2)} us/message`);
