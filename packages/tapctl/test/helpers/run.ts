// Runs tapctl in-process with captured output and injected dependencies.
import { runCli } from '../../src/index.js';
import type { CliDeps } from '../../src/index.js';

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function run(argv: readonly string[], deps: Partial<CliDeps> = {}): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    ...deps,
  });
  return { code, stdout, stderr };
}

/** stderr is one `tapctl: ...` line with no stack trace. */
export function isOneReadableLine(stderr: string): boolean {
  const lines = stderr.trimEnd().split('\n');
  return lines.length === 1 && lines[0]!.startsWith('tapctl: ') && !/\n\s+at /.test(stderr);
}
