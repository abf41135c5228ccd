import { fileURLToPath } from 'node:url';
import { ServiceBusClient, isServiceBusError } from '@azure/service-bus';
import { afterAll, beforeAll } from 'vitest';
import { spawnEmulator, type SpawnOptions, type SpawnedEmulator } from '../src/index.js';

/** Queues with short locks, windows and TTLs so the suite stays fast. */
export const TEST_TOPOLOGY = fileURLToPath(new URL('./topology.json', import.meta.url));

export function startTestEmulator(options: SpawnOptions = {}): Promise<SpawnedEmulator> {
  return spawnEmulator({ topology: TEST_TOPOLOGY, ...options });
}

export function clientFor(emulator: { connectionString: string }): ServiceBusClient {
  return new ServiceBusClient(emulator.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 },
  });
}

export interface TestEmulator {
  readonly emulator: SpawnedEmulator;
  readonly client: ServiceBusClient;
}

/**
 * One emulator process and one SDK client for the whole test file: started in beforeAll, closed in
 * afterAll. Call at the top level of the file; read the fields inside tests.
 */
export function useTestEmulator(): TestEmulator {
  let emulator: SpawnedEmulator | undefined;
  let client: ServiceBusClient | undefined;
  beforeAll(async () => {
    emulator = await startTestEmulator();
    client = clientFor(emulator);
  });
  afterAll(async () => {
    await client?.close();
    await emulator?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test emulator starts in beforeAll');
    return value;
  };
  return {
    get emulator() { return started(emulator); },
    get client() { return started(client); },
  };
}

/** The ServiceBusError code the promise rejects with (it must reject with one). */
export async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isServiceBusError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a ServiceBusError');
}

export interface Counts {
  active: number;
  scheduled: number;
  deferred: number;
  deadLettered: number;
  locked: number;
}

export async function countsOf(emulator: { adminPort: number | undefined }, queue: string): Promise<Counts> {
  const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${encodeURIComponent(queue)}`);
  if (!res.ok) throw new Error(`admin ${res.status}`);
  return (await res.json()) as Counts;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A received message's body, typed for assertions (the SDK types bodies as any). */
export const bodyOf = (message: { body: unknown }): unknown => message.body;
