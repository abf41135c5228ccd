// `pnpm demo`: starts the whole stack on free ports in a temporary data dir (so it runs beside a
// developer's own `pnpm start`), plays the scripted story through the intake as Entra would,
// prints the narrative and a summary, stops everything (also on Ctrl-C) and exits 0 only if
// every outcome was the expected one.
//
// The story itself lives with the end-to-end suite (test/e2e/story), which asserts the same
// chapters, so the demo cannot drift from what is tested.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PortsTakenError, StartupError, freePorts, startStack, type StackHandle } from '@tapline/local-stack';
import { formatSummary, playStory } from '../e2e/story/index.js';


const USAGE = `usage: pnpm demo [--verbose] [--keep]
  --verbose   also print every service's log lines
  --keep      keep the temporary data dir (logs, outbox.jsonl) after the run`;

const out = (line = '') => process.stdout.write(`${line}\n`);
/** The story's lines, until the run is being stopped (a chapter may still be finishing then). */
const narrate = (line: string) => {
  if (!finishing) out(line);
};

function parse() {
  try {
    return parseArgs({
      options: {
        verbose: { type: 'boolean', default: false },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`pnpm demo: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}
const values = parse();
if (values.help) {
  out(USAGE);
  process.exit(0);
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'tapline-demo-'));
let stack: StackHandle | undefined;
let finishing = false;

/** Stops the stack and exits; the data dir goes unless the run failed or --keep was given. */
async function finish(code: number, why?: string): Promise<never> {
  if (finishing) return new Promise<never>(() => {});
  finishing = true;
  if (why !== undefined) out(`\n${why}`);
  if (stack) {
    out('stopping the local stack...');
    await stack.stop();
    out('stopped.');
  }
  if (values.keep || code === 1) out(`logs and outbox kept in ${dataDir}`);
  else rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.on('SIGINT', () => void finish(130, 'interrupted'));
process.on('SIGTERM', () => void finish(143, 'terminated'));

out('tapline demo: starting the local stack (Service Bus emulator, Azurite, Entra + Graph and ACS');
out('simulators, intake, worker, notifier) on free ports...');
const startedAt = Date.now();
try {
  stack = await startStack({
    ports: await freePorts(),
    dataDir,
    persistent: false,
    echo: values.verbose ? process.stderr : null,
    onFatalExit: (name) => void finish(1, `${name} stopped unexpectedly; see ${path.join(dataDir, 'logs', `${name}.log`)}`),
  });
} catch (err) {
  if (err instanceof PortsTakenError) await finish(1, err.message);
  if (err instanceof StartupError) await finish(1, `${err.message}\nlast lines:\n${err.recentLines.map((l) => `  ${l}`).join('\n')}`);
  throw err;
}
out(`stack up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ACS outbox: ${stack.info.acs.outboxUrl}`);

let result: Awaited<ReturnType<typeof playStory>>;
try {
  result = await playStory(stack.info, { narrate });
} catch (err) {
  await finish(1, `the story could not run: ${(err as Error).message}`);
  throw err;
}

out('');
out('Summary');
out(formatSummary(result.chapters));
out('');
const failed = result.chapters.filter((c) => !c.ok).length;
out(failed === 0
  ? `All ${result.chapters.length} outcomes as expected (story ${(result.elapsedMs / 1000).toFixed(1)} s).`
  : `${failed} of ${result.chapters.length} outcomes NOT as expected (see the ✗ lines above).`);
await finish(failed === 0 ? 0 : 1);
