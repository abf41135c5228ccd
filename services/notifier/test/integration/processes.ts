// The notifier's own bin, and the log sink of the integration tests: every line each process
// writes is kept there for the final scan (no TAP, phone number or email address in any log).
// Starting processes is @tapline/test-harness's job.
import { fileURLToPath } from 'node:url';
import type { SpawnedProcess } from '@tapline/test-harness';

const BIN_DIR = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));
export const NOTIFIER_BIN = fileURLToPath(new URL('../../bin/notifier.js', import.meta.url));

export function binPath(name: string): string {
  return `${BIN_DIR}${name}`;
}

/** Adds the process's (live) lines to the sink, under its name and a sequence number; returns it. */
export function logTo<P extends SpawnedProcess | { readonly process: SpawnedProcess }>(sink: Map<string, string[]>, started: P): P {
  const spawned: SpawnedProcess = 'process' in started ? started.process : started;
  sink.set(`${spawned.name}#${sink.size}`, spawned.lines);
  return started;
}
