// Polling with a deadline: the end-to-end suites never sleep a fixed time to synchronise, they
// wait for a condition and give up with a message that says what they were waiting for.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class WaitTimeout extends Error {
  override readonly name = 'WaitTimeout';
}

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Named in the timeout error: "timed out after 30000 ms waiting for <what>". */
  readonly what: string;
}

/**
 * Calls `probe` until it returns something other than undefined, or the deadline passes. Bounded
 * in time and in rounds; a probe that throws counts as "not yet" (a service restarting), and the
 * last error is quoted if the deadline passes.
 */
export async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined, options: WaitOptions): Promise<T> {
  const interval = options.intervalMs ?? 100;
  const deadline = Date.now() + options.timeoutMs;
  const maxRounds = Math.ceil(options.timeoutMs / Math.max(1, interval)) + 2;
  let lastError: unknown;
  for (let round = 0; round < maxRounds; round++) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
  const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  throw new WaitTimeout(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${cause}`);
}
