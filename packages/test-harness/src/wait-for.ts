export interface WaitForOptions {
  /** Give up after this long. Default 20 s (the machine is shared; suites run two at a time). */
  readonly timeoutMs?: number;
  /** Pause between two checks. Default 50 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message; a function is asked only when it times out. */
  readonly description?: string | (() => string);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` until it returns a value other than undefined and returns that value; throws
 * after the deadline. A condition that throws ends the wait with its error (say, a process that
 * exited early). Bounded in time and in the number of checks.
 */
export async function waitFor<T>(condition: () => Promise<T | undefined> | T | undefined, options: WaitForOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 50;
  const deadline = Date.now() + timeoutMs;
  // Every round sleeps intervalMs, so this many rounds cannot end before the deadline.
  const maxChecks = Math.ceil(timeoutMs / Math.max(1, intervalMs)) + 2;
  for (let check = 0; check < maxChecks; check++) {
    const value = await condition();
    if (value !== undefined) return value;
    if (Date.now() > deadline) break;
    await sleep(intervalMs);
  }
  const what = typeof options.description === 'function' ? options.description() : options.description ?? 'a condition';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
