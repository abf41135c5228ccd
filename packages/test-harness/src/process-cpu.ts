import { readFileSync } from 'node:fs';

/**
 * CPU time (user + system) another process has used so far, in ms, from /proc (Linux; the
 * kernel counts in ticks of 10 ms). NaN when unknown (no such process, or no /proc).
 */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": state is field 3, utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}
