/**
 * `pnpm bench:servicebus`: throughput of the emulator driven by the real SDK, in memory and with
 * --data-dir. Two patterns over 10,000 small messages (about 100-byte JSON bodies):
 *   A. batched sends (createMessageBatch), then receiveMessages(100) + complete each batch;
 *   B. 64 concurrent single sends while subscribe({ maxConcurrentCalls: 64 }) consumes.
 * Broker CPU is the emulator process's own user+system time (from its admin /stats), divided by
 * the messages of the pattern. The emulator runs as its own process on loopback, as in the stack.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { spawnEmulator, type SpawnedEmulator } from '../src/index.js';

const MESSAGES = 10_000;
const CONCURRENCY = 64;
const TOPOLOGY = fileURLToPath(new URL('./topology.json', import.meta.url));
const DEADLINE_MS = 120_000;

interface Result {
  mode: string;
  sendPerSec: number;
  receivePerSec: number;
  batchedPerSec: number;
  batchedCpuMicros: number;
  streamingPerSec: number;
  streamingCpuMicros: number;
  /** fdatasync calls of the journal during each pattern (undefined in memory). */
  batchedSyncs: number | undefined;
  streamingSyncs: number | undefined;
}

function body(i: number): ServiceBusMessage {
  return { body: { requestId: `req-${i}`, stage: 'assignmentRequestGranted', target: '00000000-0000-0000-0000-000000000000' } };
}

interface BrokerSample {
  cpuMicros: number;
  syncs: number | undefined;
}

async function brokerSample(emulator: SpawnedEmulator): Promise<BrokerSample> {
  const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/stats`);
  const stats = (await res.json()) as { cpu: { userMicros: number; systemMicros: number }; journal: { syncs: number } | null };
  return { cpuMicros: stats.cpu.userMicros + stats.cpu.systemMicros, syncs: stats.journal?.syncs };
}

function delta(before: BrokerSample, after: BrokerSample): BrokerSample {
  return {
    cpuMicros: after.cpuMicros - before.cpuMicros,
    syncs: after.syncs === undefined || before.syncs === undefined ? undefined : after.syncs - before.syncs,
  };
}

async function batched(client: ServiceBusClient, queue: string, count: number): Promise<{ sendMs: number; receiveMs: number }> {
  const sender = client.createSender(queue);
  const started = performance.now();
  let batch = await sender.createMessageBatch();
  for (let i = 0; i < count; i++) {
    if (!batch.tryAddMessage(body(i))) {
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      batch.tryAddMessage(body(i));
    }
  }
  if (batch.count > 0) await sender.sendMessages(batch);
  const sent = performance.now();
  const receiver = client.createReceiver(queue);
  let received = 0;
  for (let round = 0; received < count; round++) {
    if (round > count || performance.now() - started > DEADLINE_MS) throw new Error(`batched: only ${received} of ${count} received`);
    const messages = await receiver.receiveMessages(Math.min(100, count - received), { maxWaitTimeInMs: 5_000 });
    await Promise.all(messages.map((m) => receiver.completeMessage(m)));
    received += messages.length;
  }
  const done = performance.now();
  await receiver.close();
  await sender.close();
  return { sendMs: sent - started, receiveMs: done - sent };
}

async function streaming(client: ServiceBusClient, queue: string, count: number): Promise<number> {
  const sender = client.createSender(queue);
  const receiver = client.createReceiver(queue);
  let processed = 0;
  let failure: unknown;
  let finish!: () => void;
  const allProcessed = new Promise<void>((resolve) => (finish = resolve));
  const started = performance.now();
  const subscription = receiver.subscribe(
    {
      processMessage: () => {
        if (++processed === count) finish();
        return Promise.resolve();
      },
      processError: (args) => {
        failure ??= args.error;
        return Promise.resolve();
      },
    },
    { maxConcurrentCalls: CONCURRENCY, autoCompleteMessages: true },
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await sender.sendMessages(body(next++));
    }),
  );
  const deadline = setTimeout(finish, DEADLINE_MS);
  await allProcessed;
  clearTimeout(deadline);
  const elapsed = performance.now() - started;
  await subscription.close();
  await receiver.close();
  await sender.close();
  if (processed < count) throw new Error(`streaming: only ${processed} of ${count} processed (${String(failure)})`);
  return elapsed;
}

async function run(mode: 'memory' | 'data-dir'): Promise<Result> {
  const dataDir = mode === 'data-dir' ? mkdtempSync(path.join(tmpdir(), 'sb-bench-')) : undefined;
  const emulator = await spawnEmulator({ topology: TOPOLOGY, dataDir });
  const client = new ServiceBusClient(emulator.connectionString);
  try {
    await batched(client, 'bench-warmup', 2_000); // JIT both sides before measuring

    let before = await brokerSample(emulator);
    const a = await batched(client, 'bench-batched', MESSAGES);
    const batchedBroker = delta(before, await brokerSample(emulator));

    before = await brokerSample(emulator);
    const streamingMs = await streaming(client, 'bench-streaming', MESSAGES);
    const streamingBroker = delta(before, await brokerSample(emulator));

    return {
      mode,
      sendPerSec: MESSAGES / (a.sendMs / 1000),
      receivePerSec: MESSAGES / (a.receiveMs / 1000),
      batchedPerSec: MESSAGES / ((a.sendMs + a.receiveMs) / 1000),
      batchedCpuMicros: batchedBroker.cpuMicros / MESSAGES,
      streamingPerSec: MESSAGES / (streamingMs / 1000),
      streamingCpuMicros: streamingBroker.cpuMicros / MESSAGES,
      batchedSyncs: batchedBroker.syncs,
      streamingSyncs: streamingBroker.syncs,
    };
  } finally {
    await client.close();
    await emulator.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

const loadBefore = loadavg()[0]!;
const results = [await run('memory'), await run('data-dir')];
console.log(`servicebus-emulator benchmark: ${fmt(MESSAGES)} messages per pattern, SDK and emulator in separate processes`);
console.log(`${cpus().length} cores, Node ${process.version}, 1-minute load average ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (other work on the machine skews the figures)`);
console.log('');
console.log('| mode | A: batched send msg/s | A: receiveMessages(100) + complete msg/s | A: total msg/s | A: broker CPU µs/msg | A: fdatasyncs | B: 64 sends + subscribe(64) msg/s | B: broker CPU µs/msg | B: fdatasyncs |');
console.log('|---|---|---|---|---|---|---|---|---|');
const syncs = (n: number | undefined): string => (n === undefined ? '-' : fmt(n));
for (const r of results) {
  console.log(
    `| ${r.mode} | ${fmt(r.sendPerSec)} | ${fmt(r.receivePerSec)} | ${fmt(r.batchedPerSec)} | ${fmt(r.batchedCpuMicros)} | ${syncs(r.batchedSyncs)} ` +
      `| ${fmt(r.streamingPerSec)} | ${fmt(r.streamingCpuMicros)} | ${syncs(r.streamingSyncs)} |`,
  );
}
const memory = results[0]!;
const durable = results[1]!;
const checks = [
  ['A total >= 3,000 msg/s (memory)', memory.batchedPerSec >= 3_000],
  ['B >= 5,000 msg/s (memory)', memory.streamingPerSec >= 5_000],
  ['A total >= 1,500 msg/s (data-dir)', durable.batchedPerSec >= 1_500],
  ['B >= 2,500 msg/s (data-dir)', durable.streamingPerSec >= 2_500],
] as const;
console.log('');
for (const [label, ok] of checks) console.log(`${ok ? 'PASS' : 'MISS'} ${label}`);
