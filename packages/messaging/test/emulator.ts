// The workspace's Service Bus emulator as a separate process for one test file, on free ports, with
// this package's own test topology.
import { fileURLToPath } from 'node:url';
import { spawnEmulator, type SpawnedEmulator } from '@tapline/servicebus-emulator';

export const TEST_TOPOLOGY = fileURLToPath(new URL('./topology.test.json', import.meta.url));

export type Emulator = SpawnedEmulator;

export interface QueueCounts { active: number; scheduled: number; deferred: number; deadLettered: number; locked: number }

export function startEmulator(): Promise<Emulator> {
  return spawnEmulator({ topology: TEST_TOPOLOGY });
}

export async function queueCounts(emulator: Emulator, queue: string): Promise<QueueCounts> {
  const res = await fetch(`http://127.0.0.1:${emulator.adminPort}/queues/${encodeURIComponent(queue)}`);
  if (!res.ok) throw new Error(`admin ${res.status} for ${queue}`);
  return (await res.json()) as QueueCounts;
}
