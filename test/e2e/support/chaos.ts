// Chaos for the end-to-end suite: SIGKILL a service of the running stack at planned moments and
// wait until the supervisor has it running again (a new pid that printed its ready line), as
// Container Apps would restart a crashed replica.
import type { StackHandle } from '@tapline/local-stack';
import { sleep, waitFor } from './wait.js';

export interface Kill {
  readonly name: string;
  readonly pid: number;
  /** Milliseconds after the chaos began. */
  readonly atMs: number;
  readonly newPid: number;
  readonly restartMs: number;
}

export function currentPid(stack: Pick<StackHandle, 'process'>, name: string): number {
  const pid = stack.process(name)?.child.pid;
  if (pid === undefined) throw new Error(`${name} is not running`);
  return pid;
}

/**
 * Kills `name` at each of `atMs` (after `start`), one after another: a kill waits for the restart
 * of the previous one, so every kill hits a process that was doing work.
 */
export async function killAt(stack: Pick<StackHandle, 'process'>, name: string, start: number, atMs: readonly number[], restartTimeoutMs: number): Promise<Kill[]> {
  const kills: Kill[] = [];
  for (const at of [...atMs].sort((a, b) => a - b)) {
    const wait = start + at - Date.now();
    if (wait > 0) await sleep(wait);
    const pid = currentPid(stack, name);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    const newPid = await waitFor(() => {
      const now = stack.process(name)?.child.pid;
      return now !== undefined && now !== pid ? now : undefined;
    }, { timeoutMs: restartTimeoutMs, intervalMs: 50, what: `${name} to be restarted after SIGKILL` });
    kills.push({ name, pid, atMs: killedAt - start, newPid, restartMs: Date.now() - killedAt });
  }
  return kills;
}

/** A small seeded generator (mulberry32), so a failing chaos run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
