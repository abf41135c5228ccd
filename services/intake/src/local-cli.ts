// `pnpm --filter @tapline/intake start:local`: the intake on the local stack, configured from the
// environment (README), serving the same route table as the Functions entry. Prints
// `intake ready at <url>` once it accepts requests; stops cleanly on SIGINT/SIGTERM.
import { ConfigError } from '@tapline/config';
import { startTelemetry } from '@tapline/observability';
import { startLocalHost } from './local-host.js';
import { logEvents } from './logs.js';
import { main } from './main.js';
import type { Intake } from './main.js';

const telemetry = await startTelemetry({ serviceName: 'tapline-intake', edge: true, azureSdk: false });
let intake: Intake;
try {
  intake = main();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  // Names and reasons only: ConfigError never carries a value.
  process.stderr.write(`intake: ${error.message}\n`);
  process.exit(2);
}
// Connect before announcing readiness, so the first request does not pay for the connection.
await intake.warmUp();
const host = await startLocalHost({
  routes: intake.routes,
  host: intake.config.INTAKE_HOST,
  port: intake.config.INTAKE_PORT,
  bodyLimitBytes: intake.config.INTAKE_BODY_LIMIT_BYTES,
  logger: intake.logger,
});
intake.logger.info({ event: logEvents.hostReady, url: host.url }, 'intake local host ready');
process.stdout.write(`intake ready at ${host.url}\n`);

let stopping = false;
const stop = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  Promise.all([host.close(), intake.close()])
    .then(() => telemetry.shutdown())
    .then(() => {
      intake.logger.info({ event: logEvents.hostStopped, signal }, 'intake local host stopped');
      process.exit(0);
    })
    .catch((error: unknown) => {
      intake.logger.error({ event: logEvents.hostStopped, signal, err: error }, 'intake local host stopped with an error');
      process.exit(1);
    });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
