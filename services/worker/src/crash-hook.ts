// A test-only fault point: with TAPLINE_CRASH_AT=<point> the process SIGKILLs itself there, so the
// crash tests can prove what survives (no cleanup, no settlement, nothing flushed). Unset in every
// real deployment; the config schema accepts only the listed points.

export const CRASH_POINTS = ['after-tap-created', 'after-ledger-write', 'after-publish', 'before-complete'] as const;
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
