import { parseArgs } from 'node:util';
import { startTelemetryStandIn } from './server.js';

const USAGE = `Usage: telemetry-stand-in [--port <n>] [--refresh-ms <n>]
  --port <n>         port on 127.0.0.1 (default 0: a free port)
  --refresh-ms <n>   how often the dashboard page refreshes itself (default 2000)
Receives OTLP/HTTP JSON on /v1/traces and /v1/metrics, serves the dashboard on /.
Prints one line containing "ready" and the URL, then serves until SIGINT/SIGTERM.`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

try {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'refresh-ms': { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const port = integer('port', values.port);
  const refreshMs = integer('refresh-ms', values['refresh-ms']);
  const standIn = await startTelemetryStandIn({ ...(port !== undefined && { port }), ...(refreshMs !== undefined && { refreshMs }) });
  process.stdout.write(`telemetry-stand-in ready url=${standIn.url}\n`);
  const stop = (): void => {
    standIn.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  process.stderr.write(`telemetry-stand-in: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
