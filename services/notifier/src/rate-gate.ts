// One gate per ACS channel. It spaces sends evenly at the configured rate (so no window of any
// length sees more than the limit, whatever window ACS measures), and a 429's Retry-After
// closes it for every send of that channel in this process, not only the one that was throttled.
//
// The limit is per process: with several replicas, configure limit / replicas; the 429 handling
// is the backstop, not the plan.

export type Sleep = (ms: number) => Promise<void>;

export interface RateGate {
  /** Resolves when this caller may send one message. */
  acquire(): Promise<void>;
  /** The provider asked us to wait (429 Retry-After): nobody sends before `untilMs`. */
  pauseUntil(untilMs: number): void;
  /** How long a caller arriving now would wait for its slot. */
  backlogMs(): number;
}

export function createRateGate(perMinute: number, now: () => number, sleep: Sleep): RateGate {
  if (!(perMinute > 0)) throw new Error('rate gate: perMinute must be positive');
  const intervalMs = 60_000 / perMinute;
  let nextSlot = 0;
  let pausedUntil = 0;
  return {
    async acquire() {
      // Bounded: each pass either returns or moves past a pause that was set meanwhile, and a
      // pause only ever moves forward.
      for (let pass = 0; pass < 1_000; pass += 1) {
        const at = now();
        const slot = Math.max(at, nextSlot, pausedUntil);
        nextSlot = slot + intervalMs;
        if (slot > at) await sleep(slot - at);
        if (now() >= pausedUntil) return;
      }
      throw new Error('rate gate: could not acquire a slot');
    },
    backlogMs() {
      return Math.max(0, nextSlot - now(), pausedUntil - now());
    },
    pauseUntil(untilMs) {
      if (untilMs > pausedUntil) pausedUntil = untilMs;
      if (pausedUntil > nextSlot) nextSlot = pausedUntil;
    },
  };
}
