import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
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

/** Polls until `check` returns a value other than undefined, or fails after the deadline. */
export async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < 1000; attempt++) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A received message's body, typed for assertions (the SDK types bodies as any). */
export const bodyOf = (message: { body: unknown }): unknown => message.body;
