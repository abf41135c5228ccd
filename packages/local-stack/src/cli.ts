// `pnpm start`: the whole pipeline on the local stand-ins, until Ctrl-C.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { banner } from './banner.js';
import { portsFromEnv } from './ports.js';
import { repoRoot } from './stack.js';
import { PortsTakenError, startStack } from './start-stack.js';
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
const dataDir = path.resolve(values['data-dir'] ?? path.join(repoRoot, '.local'));
const stack = await startStack({
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

async function shutdown(code: number): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  process.stdout.write('\nstopping the local stack...\n');
  await stack.stop();
  process.stdout.write('stopped.\n');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
