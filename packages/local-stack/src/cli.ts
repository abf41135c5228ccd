// `pnpm start`: the whole pipeline on the local stand-ins, until Ctrl-C.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { banner } from './banner.js';
import { portsFromEnv } from './ports.js';
import { repoRoot } from './stack.js';
import { watchLifeline } from './lifeline.js';
import { PortsTakenError, startStack, type StackHandle } from './start-stack.js';
import { StartupError } from './supervisor.js';

const USAGE = `usage: pnpm start [--fresh] [--ephemeral] [--data-dir .local]
  --fresh       delete queued messages, ledger rows and logs from earlier runs first
  --ephemeral   keep broker and table data in memory only
  Ports: TAPLINE_PORT_INTAKE, TAPLINE_PORT_SERVICE_BUS, TAPLINE_PORT_SERVICE_BUS_ADMIN,
         TAPLINE_PORT_TABLES, TAPLINE_PORT_TENANT, TAPLINE_PORT_ACS,
         TAPLINE_PORT_WORKER_METRICS, TAPLINE_PORT_NOTIFIER_METRICS, TAPLINE_PORT_TELEMETRY`;

function fail(message: string, code = 1): never {
  process.stderr.write(`pnpm start: ${message}\n`);
  process.exit(code);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      fresh: { type: 'boolean', default: false },
      ephemeral: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (err) {
  fail(`${(err as Error).message}\n${USAGE}`, 2);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

let ports;
try {
  ports = portsFromEnv(process.env);
} catch (err) {
  fail((err as Error).message, 2);
}

let shuttingDown = false;
// Whoever started us (pnpm, a supervisor, a terminal) going away is a stop signal too: pnpm does
// not pass SIGTERM on, and SIGKILL passes on nothing. Watched from the start, acted on once the
// stack is up (a stack half started is stopped by startStack's own error path otherwise).
let startedBy: number | undefined;
watchLifeline((pid) => {
  startedBy = pid;
  if (stack) void shutdown(0, `the process that started the stack (pid ${pid}) is gone`);
});
// With the terminal gone, a write could fail with EPIPE; the stop must go on regardless.
process.stdout.on('error', () => undefined);
process.stderr.on('error', () => undefined);

const dataDir = path.resolve(values['data-dir'] ?? path.join(repoRoot, '.local'));
let stack: StackHandle | undefined = undefined;
stack = await startStack({
  ports,
  dataDir,
  persistent: !values.ephemeral,
  fresh: values.fresh,
  echo: process.stdout,
  onFatalExit: (name) => {
    if (shuttingDown) return;
    process.stderr.write(`\n${name} stopped unexpectedly; see ${path.join(dataDir, 'logs', `${name}.log`)}. Stopping the stack.\n`);
    void shutdown(1);
  },
}).catch((err: unknown) => {
  if (err instanceof PortsTakenError) fail(err.message);
  if (err instanceof StartupError) {
    fail(`${err.message}\nlast lines:\n${err.recentLines.map((l) => `  ${l}`).join('\n')}`);
  }
  throw err;
});

process.stdout.write(banner(stack.info, stack.stackFile));
if (startedBy !== undefined) void shutdown(0, `the process that started the stack (pid ${startedBy}) is gone`);

async function shutdown(code: number, why?: string): Promise<void> {
  if (shuttingDown || !stack) return;
  shuttingDown = true;
  process.stdout.write(`\nstopping the local stack${why ? ` (${why})` : ''}...\n`);
  await stack.stop();
  process.stdout.write('stopped.\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
