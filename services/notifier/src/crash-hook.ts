// A test-only fault point: with TAPLINE_CRASH_AT=<point> the process SIGKILLs itself there, so
// integration tests can prove what survives a crash (no cleanup, no settlement, nothing flushed).
// Unset in every real deployment; the config schema only accepts the listed points.

/**
 * after-send: ACS accepted, nothing recorded. after-status: `delivered` recorded, no
 * `delivery.sent` event yet. after-record: both written, follow-ups not started.
 */
export const CRASH_POINTS = ['after-send', 'after-status', 'after-record'] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export type CrashHook = (point: CrashPoint) => void;

export const noCrash: CrashHook = () => undefined;

export function crashHookFor(armed: CrashPoint | undefined, beforeCrash: (point: CrashPoint) => void): CrashHook {
  if (armed === undefined) return noCrash;
  return (point) => {
    if (point !== armed) return;
    beforeCrash(point);
    process.kill(process.pid, 'SIGKILL');
  };
}
