import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.js';
import { formatReadyLine } from './ready-line.js';
import { defaultTopologyPath } from './topology.js';

const USAGE = `usage: servicebus-emulator [--port 5672] [--host 127.0.0.1] [--topology infra/topology.json]
                          [--data-dir <dir>] [--admin-port <port>]
  --port 0 / --admin-port 0 pick free ports; the "ready" line on stdout reports them.`;

function fail(message: string): never {
  process.stderr.write(`servicebus-emulator: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) fail(`${name} must be a port number (0 picks a free one)`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        topology: { type: 'string' },
        'data-dir': { type: 'string' },
        'admin-port': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dataDir = values['data-dir'];
  let emulator;
  try {
    emulator = await startEmulator({
      port: port(values.port, '--port') ?? 5672,
      host: values.host ?? '127.0.0.1',
      topology: values.topology ?? defaultTopologyPath,
      dataDir,
      adminPort: port(values['admin-port'], '--admin-port'),
    });
  } catch (err) {
    process.stderr.write(`servicebus-emulator: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${formatReadyLine({ ...emulator, dataDir })}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`servicebus-emulator: ${signal}, closing\n`);
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`servicebus-emulator: close failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
