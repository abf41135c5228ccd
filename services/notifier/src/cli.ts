// `notifier`: runs the consumer until SIGTERM/SIGINT. Prints one line containing "ready" once the
// consumer is subscribed (launchers and tests wait for it).
import { ConfigError } from '@tapline/config';
import { scrubSecrets } from '@tapline/domain';
import { main } from './main.js';

try {
  const notifier = await main();
  process.stdout.write(`notifier ready${notifier.metricsPort !== undefined ? ` metrics=http://127.0.0.1:${notifier.metricsPort}/metrics` : ''}\n`);
  const stop = (): void => {
    notifier.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (err) {
  // A config error was logged by main() (names, never values); anything else is reported here,
  // scrubbed, since a start-up failure can quote a connection string.
  if (!(err instanceof ConfigError)) {
    const what = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(`notifier: could not start: ${scrubSecrets(what)}\n`);
  }
  process.exit(err instanceof ConfigError ? 2 : 1);
}
