// One whole local stack per test file: the same processes `pnpm start` runs, on ports the OS says
// are free (so a developer's own `pnpm start` keeps running), in a temporary data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePorts, startStack } from '@tapline/local-stack';
import type { StackHandle } from '@tapline/local-stack';

const START_ATTEMPTS = 3;

export interface TestStack extends StackHandle {
  readonly dataDir: string;
  /** Stops every process, then deletes the data dir (kept when TAPLINE_E2E_KEEP=1, for a post-mortem). */
  readonly dispose: () => Promise<void>;
}

export interface TestStackOptions {
  readonly overrides?: Record<string, string>;
  readonly persistent?: boolean;
  /** Name prefix of the temporary data dir. */
  readonly name: string;
}

export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `tapline-${options.name}-`));
  // Ports are free when asked and taken a moment later by the stack; another suite's process can
  // win one in between (startStack names it, or the process fails to bind and never gets ready).
  // A loaded machine can also miss a readiness deadline. Try again with fresh ports and state.
  let handle: StackHandle | undefined;
  for (let attempt = 1; handle === undefined; attempt++) {
    try {
      handle = await startStack({
        ports: await freePorts(),
        dataDir,
        persistent: options.persistent ?? false,
        fresh: attempt > 1,
        echo: process.env.TAPLINE_E2E_ECHO === '1' ? process.stderr : null,
        ...(options.overrides !== undefined && { overrides: options.overrides }),
      });
    } catch (err) {
      const name = (err as Error).name;
      const retryable = name === 'PortsTakenError' || name === 'StartupError';
      if (!retryable || attempt >= START_ATTEMPTS) {
        rmSync(dataDir, { recursive: true, force: true });
        const lines = (err as { recentLines?: string[] }).recentLines;
        throw new Error(`the ${options.name} stack did not start (attempt ${attempt}): ${(err as Error).message}${lines ? `\nlast lines:\n${lines.join('\n')}` : ''}`, { cause: err });
      }
      console.warn(`the ${options.name} stack did not start (attempt ${attempt}), trying again: ${(err as Error).message}`);
    }
  }
  const stack = handle;
  return {
    ...stack,
    dataDir,
    dispose: async () => {
      await stack.stop();
      if (process.env.TAPLINE_E2E_KEEP !== '1') rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
