/**
 * `pnpm bench:replay`: how fast `tapctl dlq replay` moves dead letters back, against the Service
 * Bus emulator (its own process, infra/topology.json, duplicate detection on) and Azurite.
 *
 * Setup (not timed): 1,000 valid request messages on tap-requests, each with a ledger row,
 * dead-lettered GraphForbidden by an SDK receiver. Then the real bin runs
 * `dlq replay --all --queue requests --yes --rate 1000 --json`; its document's `ratePerSecond` is
 * tapctl's own send-and-complete phase (lock by sequence, send the stripped copy, complete the
 * original), `auditedRatePerSecond` the same until the last per-message audit event is written,
 * and the wall time covers the whole command (start-up, peek, ledger reads).
 *
 * The broker's figure for comparison: the same 1,000 messages moved by a bare SDK loop with no
 * checks (receive from the dead-letter queue in batches of 50, send a copy, complete), which is
 * the most the emulator gives a single client doing that work. Each ends with the emulator's CPU.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusMessage } from '@azure/service-bus';
import { SCHEMA_VERSION, encodeTapRequest, referenceIdFor } from '@tapline/domain';
import { createTableLedger } from '@tapline/ledger';
import { spawnEmulator } from '@tapline/servicebus-emulator';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import { startAzurite } from '@tapline/test-harness';

const COUNT = Number(process.env.BENCH_REPLAY_COUNT ?? 1000);
const QUEUE = 'tap-requests';
const TOPOLOGY = fileURLToPath(new URL('../../../infra/topology.json', import.meta.url));
const TAPCTL = fileURLToPath(new URL('../bin/tapctl.js', import.meta.url));
const MIN_TARGET_PER_SECOND = 200;

function requestMessage(): ServiceBusMessage & { requestId: string; targetId: string; requestorId: string; stageInstanceId: string } {
  const requestId = randomUUID();
  const stageInstanceId = randomUUID();
  const targetId = randomUUID();
  const requestorId = randomUUID();
  const body = encodeTapRequest({
    schemaVersion: SCHEMA_VERSION, requestId, stageInstanceId, stage: 'assignmentRequestApproved', requestType: 'onBehalfAdd',
    requestorId, targetId, accessPackageId: randomUUID(), receivedAt: new Date().toISOString(), attempt: 1,
  });
  return { body, messageId: stageInstanceId, correlationId: requestId, contentType: 'application/json', requestId, targetId, requestorId, stageInstanceId };
}

async function receiverLinks(emulator: SpawnedEmulator): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${emulator.adminPort}/stats`)).json()) as { amqp: { receiverLinks: number } }).amqp.receiverLinks;
}

async function brokerCpuMicros(emulator: SpawnedEmulator): Promise<number> {
  const stats = (await (await fetch(`http://127.0.0.1:${emulator.adminPort}/stats`)).json()) as { cpu: { userMicros: number; systemMicros: number } };
  return stats.cpu.userMicros + stats.cpu.systemMicros;
}

async function deadLetterCount(emulator: SpawnedEmulator): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${QUEUE}`)).json()) as { deadLettered: number }).deadLettered;
}

/** Sends `COUNT` requests (with ledger rows) and dead-letters each, as the worker would on a Graph 403. */
async function makeDeadLetters(client: ServiceBusClient, connectionString: string): Promise<void> {
  const ledger = await createTableLedger({ connectionString });
  const messages = Array.from({ length: COUNT }, () => requestMessage());
  for (let i = 0; i < messages.length; i += 100) {
    await Promise.all(messages.slice(i, i + 100).map((m) => ledger.recordReceived({
      requestId: m.requestId, targetId: m.targetId, requestorId: m.requestorId, referenceId: referenceIdFor(m.requestId),
      stageInstanceId: m.stageInstanceId, stage: 'assignmentRequestApproved', at: new Date(),
    })));
  }
  const sender = client.createSender(QUEUE);
  for (let i = 0; i < messages.length; i += 100) {
    await sender.sendMessages(messages.slice(i, i + 100).map((m): ServiceBusMessage => ({ body: m.body as string, messageId: m.messageId, correlationId: m.correlationId, contentType: m.contentType })));
  }
  await sender.close();
  const receiver = client.createReceiver(QUEUE);
  for (let moved = 0, rounds = 0; moved < COUNT && rounds < COUNT; rounds++) {
    const batch = await receiver.receiveMessages(Math.min(100, COUNT - moved), { maxWaitTimeInMs: 2_000 });
    for (const m of batch) {
      await receiver.deadLetterMessage(m, { deadLetterReason: 'GraphForbidden', deadLetterErrorDescription: 'Graph answered 403 to TAP creation (bench)' });
    }
    moved += batch.length;
  }
  await receiver.close();
}

/** The bare SDK loop: receive from the dead-letter queue, send a copy, complete; no checks, no audit. */
async function bareLoop(client: ServiceBusClient): Promise<number> {
  const receiver = client.createReceiver(QUEUE, { subQueueType: 'deadLetter' });
  const sender = client.createSender(QUEUE);
  const started = performance.now();
  for (let moved = 0, rounds = 0; moved < COUNT && rounds < COUNT; rounds++) {
    const batch = await receiver.receiveMessages(Math.min(50, COUNT - moved), { maxWaitTimeInMs: 2_000 });
    await Promise.all(batch.map(async (m) => {
      await sender.sendMessages({ body: m.body as unknown, messageId: `${String(m.messageId)}:bare`, contentType: m.contentType });
      await receiver.completeMessage(m);
    }));
    moved += batch.length;
  }
  const seconds = (performance.now() - started) / 1000;
  await Promise.all([receiver.close(), sender.close()]);
  return COUNT / seconds;
}

function runTapctl(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [TAPCTL, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_lifecycle_event: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function drain(client: ServiceBusClient): Promise<void> {
  const receiver = client.createReceiver(QUEUE, { receiveMode: 'receiveAndDelete' });
  for (let rounds = 0; rounds < COUNT; rounds++) {
    if ((await receiver.receiveMessages(500, { maxWaitTimeInMs: 500 })).length === 0) break;
  }
  await receiver.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tapline-bench-replay-'));
  const emulator = await spawnEmulator({ topology: TOPOLOGY });
  const azurite = await startAzurite();
  const client = new ServiceBusClient(emulator.connectionString);
  try {
    const stackFile = path.join(dir, 'stack.json');
    writeFileSync(stackFile, JSON.stringify({
      serviceBus: { connectionString: emulator.connectionString, adminUrl: `http://127.0.0.1:${emulator.adminPort}`, queues: { requests: QUEUE, deliveries: 'tap-deliveries' } },
      tables: { connectionString: azurite.connectionString },
    }));
    await makeDeadLetters(client, azurite.connectionString);
    if ((await deadLetterCount(emulator)) !== COUNT) throw new Error(`expected ${COUNT} dead letters`);

    const cpuBefore = await brokerCpuMicros(emulator);
    const linksBefore = await receiverLinks(emulator);
    const started = performance.now();
    const run = await runTapctl(['dlq', 'replay', '--all', '--queue', 'requests', '--yes', '--rate', '1000', '--as', 'bench', '--note', 'bench', '--stack', stackFile, '--json']);
    const wallSeconds = (performance.now() - started) / 1000;
    const cpuTapctl = (await brokerCpuMicros(emulator)) - cpuBefore;
    const linksTapctl = (await receiverLinks(emulator)) - linksBefore;
    const doc = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { ratePerSecond?: number; auditedRatePerSecond?: number; summary?: { done: number; failed: number } };
    if (run.code !== 0 || doc.summary?.done !== COUNT) throw new Error(`tapctl replay failed (exit ${String(run.code)}): ${run.stderr.slice(0, 400)}`);
    if ((await deadLetterCount(emulator)) !== 0) throw new Error('dead letters left after the replay');

    // The broker's figure: dead-letter the replayed copies again, then move them with the bare loop.
    await drain(client);
    await makeDeadLetters(client, azurite.connectionString);
    const cpuBare = await brokerCpuMicros(emulator);
    const linksBare = await receiverLinks(emulator);
    const barePerSecond = await bareLoop(client);
    const cpuBareUsed = (await brokerCpuMicros(emulator)) - cpuBare;
    const linksBareUsed = (await receiverLinks(emulator)) - linksBare;

    const tapctlPerSecond = doc.ratePerSecond ?? 0;
    console.log(`bench:replay  ${COUNT} dead letters on ${QUEUE}, emulator + Azurite on loopback, ${cpus().length} cores, load ${loadavg()[0]!.toFixed(2)}`);
    console.log(`  tapctl dlq replay, send + complete: ${tapctlPerSecond.toFixed(0)} replays/s   (target >= ${MIN_TARGET_PER_SECOND}/s: ${tapctlPerSecond >= MIN_TARGET_PER_SECOND ? 'met' : 'MISSED'})`);
    console.log(`  the same until every audit event is in the ledger (Azurite): ${(doc.auditedRatePerSecond ?? 0).toFixed(0)} replays/s`);
    console.log(`  whole command (start-up, peek, ledger reads, replay): ${wallSeconds.toFixed(1)} s = ${(COUNT / wallSeconds).toFixed(0)} messages/s`);
    console.log(`  broker figure, bare SDK loop (receive DLQ + send + complete, no checks): ${barePerSecond.toFixed(0)} messages/s`);
    console.log(`  tapctl / bare loop: ${(tapctlPerSecond / barePerSecond).toFixed(2)}`);
    console.log(`  emulator CPU per message: tapctl run ${(cpuTapctl / COUNT).toFixed(0)} us, bare loop ${(cpuBareUsed / COUNT).toFixed(0)} us`);
    console.log(`  receiver links attached: tapctl run ${linksTapctl}, bare loop ${linksBareUsed}`);
  } finally {
    await client.close();
    await Promise.all([emulator.stop(), azurite.stop()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
