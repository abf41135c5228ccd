/**
 * The emulator's CPU per message on the intake's send path: batches of 30 messages shaped like the
 * intake's (messageId, correlationId, contentType, two application properties, a ~1 KB JSON body)
 * sent with the real SDK to `tap-requests` of infra/topology.json (duplicate detection on), two
 * sends in flight, nothing received. CPU is the emulator process's user+system time from
 * /proc/<pid>/stat (10 ms ticks) around the measured sends, after a warm-up.
 *
 *   node --import tsx packages/servicebus-emulator/bench/send-cpu.ts [messages=20000] [batch=30]
 *   SEND_CPU_PROF=/tmp/prof ...          # the emulator also writes a .cpuprofile (whole run) there
 *   SEND_CPU_NODE_ARGS='--flag ...' ...  # other Node flags for the emulator process
 *
 * Linux only (/proc). One run takes a few seconds; CPU time is steadier than wall time on a shared
 * machine but still moves with the machine's load, so compare runs interleaved.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { spawnEmulator } from '../src/index.js';
import { intakeMessage } from './intake-message.js';

const MESSAGES = Number(process.argv[2] ?? 20_000);
const BATCH = Number(process.argv[3] ?? 30);
const WARMUP = 4_000;
const IN_FLIGHT = 2;
const QUEUE = 'tap-requests';
const TOPOLOGY = fileURLToPath(new URL('../../../infra/topology.json', import.meta.url));
const DEADLINE_MS = 60_000;
const profileDir = process.env.SEND_CPU_PROF;

if (!Number.isInteger(MESSAGES) || MESSAGES <= 0 || MESSAGES > 200_000) throw new Error('messages: 1..200000');
if (!Number.isInteger(BATCH) || BATCH <= 0 || BATCH > 100) throw new Error('batch: 1..100');

/** User and system CPU of a process in microseconds (fields 14 and 15 of /proc/<pid>/stat, in 10 ms ticks). */
function cpuMicros(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { user: Number(fields[11]) * 10_000, system: Number(fields[12]) * 10_000 };
}

async function sendAll(client: ServiceBusClient, count: number): Promise<void> {
  const sender = client.createSender(QUEUE);
  const batches: ServiceBusMessage[][] = [];
  for (let i = 0; i < count; i += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, count - i) }, (_, k) => intakeMessage(i + k)));
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      for (let b = next++; b < batches.length; b = next++) await sender.sendMessages(batches[b]!);
    }),
  );
  await sender.close();
}

const emulator = await spawnEmulator({
  topology: TOPOLOGY,
  nodeArgs: [
    ...(profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []),
    ...(process.env.SEND_CPU_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
  ],
});
const pid = emulator.child.pid!;
const client = new ServiceBusClient(emulator.connectionString);
const deadline = setTimeout(() => {
  process.stderr.write(`send-cpu: no result after ${DEADLINE_MS} ms\n`);
  void emulator.kill().then(() => process.exit(1));
}, DEADLINE_MS);
try {
  await sendAll(client, WARMUP);
  const before = cpuMicros(pid);
  const started = performance.now();
  await sendAll(client, MESSAGES);
  const wallMs = performance.now() - started;
  const after = cpuMicros(pid);
  const user = after.user - before.user;
  const system = after.system - before.system;
  const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${QUEUE}`);
  const counts = (await res.json()) as { active: number };
  if (counts.active !== WARMUP + MESSAGES) throw new Error(`expected ${WARMUP + MESSAGES} active messages, found ${counts.active}`);
  console.log(
    `send-cpu: ${MESSAGES} messages in batches of ${BATCH}, ${IN_FLIGHT} in flight: ` +
      `emulator ${((user + system) / MESSAGES).toFixed(1)} us CPU/message ` +
      `(user ${(user / MESSAGES).toFixed(1)}, system ${(system / MESSAGES).toFixed(1)}), ${Math.round(MESSAGES / (wallMs / 1000))} msg/s`,
  );
} finally {
  clearTimeout(deadline);
  await client.close();
  await emulator.stop();
  if (profileDir) console.log(`send-cpu: emulator profile in ${profileDir}`);
}
