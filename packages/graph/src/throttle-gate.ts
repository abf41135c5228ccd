/**
 * One gate per process in front of every Graph call (DESIGN section 5). Graph throttles per
 * application and tenant, not per request: after one 429, every other call of this process would
 * be refused too, and each refused call still counts against us. So one 429 closes the gate for
 * its Retry-After and every call, from every handler, waits at the gate instead of hammering.
 */
export interface ThrottleGate {
  /** Resolves when the gate is open; rejects with the signal's reason if aborted first. */
  pass(signal?: AbortSignal): Promise<void>;
  /** Keeps the gate shut for at least `ms` from now (a later deadline wins). */
  closeFor(ms: number): void;
  /** Milliseconds until the gate opens (0 when open). */
  remainingMs(): number;
}

export interface ThrottleGateOptions {
  readonly now?: () => number;
  /** Upper bound for one closure, so a hostile or broken Retry-After cannot stall us for hours. */
  readonly maxCloseMs?: number;
}

export function createThrottleGate(options: ThrottleGateOptions = {}): ThrottleGate {
  const now = options.now ?? Date.now;
  const maxCloseMs = options.maxCloseMs ?? 5 * 60_000;
  let openAt = 0;

  return {
    async pass(signal) {
      // Re-check after each sleep: another 429 may have pushed the deadline while we slept.
      for (let rounds = 0; rounds < 1000; rounds++) {
        const wait = openAt - now();
        if (wait <= 0) return;
        await sleep(wait, signal);
      }
    },
    closeFor(ms) {
      if (!(ms > 0)) return;
      openAt = Math.max(openAt, now() + Math.min(ms, maxCloseMs));
    },
    remainingMs() {
      return Math.max(0, openAt - now());
    },
  };
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
