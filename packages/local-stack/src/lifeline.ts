// The orchestrator stops the stack when whoever started it is gone. `pnpm start` runs it as
// pnpm -> sh -c -> node, and pnpm does not pass SIGTERM on: pnpm ends, the shell waits on, and
// the orchestrator's own parent never changes. So it watches the chain of its ancestors up to
// the first one that is not a shell (pnpm, npm, a supervisor, or the user's terminal shell when
// started by hand), and treats the death of any of them as the signal pnpm did not forward.
import { processInfo } from './process-table.js';

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ash', 'busybox']);

/** The parent, and through `sh -c` wrappers the first ancestor that is not a shell. */
export function lifelineAncestors(pid = process.pid): number[] {
  const chain: number[] = [];
  let current = processInfo(pid)?.ppid ?? process.ppid;
  // A few wrappers at most (pnpm's script shell); the bound keeps a strange /proc from looping.
  for (let hops = 0; hops < 4 && current > 1; hops++) {
    chain.push(current);
    const info = processInfo(current);
    if (!info || !SHELLS.has(info.name)) break;
    current = info.ppid;
  }
  return chain;
}

function alive(pid: number): boolean {
  const info = processInfo(pid);
  if (info) return info.state !== 'Z';
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once, when the parent changes (this process was orphaned) or one of the
 * watched ancestors has exited. Returns a function that stops watching.
 */
export function watchLifeline(onGone: (pid: number) => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  const ancestors = lifelineAncestors();
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : ancestors.find((pid) => !alive(pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
