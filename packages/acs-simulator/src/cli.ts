import { parseArgs } from 'node:util';
import { startAcsSimulator } from './server.js';
import type { AcsSimulatorOptions } from './config.js';

const USAGE = `Usage: acs-simulator [options]
  --port <n>                         port on 127.0.0.1 (default 0: a free port)
  --access-key <base64>              access key the HMAC signatures are checked against (default: the dev key)
  --outbox-file <path.jsonl>         also append every accepted message to this file
  --sms-per-minute <n>               SMS message units per sender number per window (default 200)
  --email-per-minute <n>             email sends per window (default 30)
  --rate-window-seconds <n>          the rate window, 60 by default; shrink it for tests
  --sms-from <e164>                  a number the resource owns (repeatable; default +18005550100)
  --email-domain <domain>            a linked sender domain (repeatable; default tapline.example)
  --repeatability-window-seconds <n> SMS repeatability tracking window (default 300)
  --email-completion-ms <n>          how long an email operation stays Running (default 200)
  --email-retry-after <seconds>      retry-after on email 202s and running polls (default 1; 0 for fast tests)
Prints one line containing "ready", the URL and the connection string, then serves until SIGINT/SIGTERM.`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

function parseOptions(argv: string[]): AcsSimulatorOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: 'string' },
      'access-key': { type: 'string' },
      'outbox-file': { type: 'string' },
      'sms-per-minute': { type: 'string' },
      'email-per-minute': { type: 'string' },
      'rate-window-seconds': { type: 'string' },
      'sms-from': { type: 'string', multiple: true },
      'email-domain': { type: 'string', multiple: true },
      'repeatability-window-seconds': { type: 'string' },
      'email-completion-ms': { type: 'string' },
      'email-retry-after': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help === true) return 'help';
  return {
    port: integer('port', values.port),
    accessKey: values['access-key'],
    outboxFile: values['outbox-file'],
    smsPerMinute: integer('sms-per-minute', values['sms-per-minute']),
    emailPerMinute: integer('email-per-minute', values['email-per-minute']),
    rateWindowSeconds: integer('rate-window-seconds', values['rate-window-seconds']),
    smsSenders: values['sms-from'],
    emailDomains: values['email-domain'],
    repeatabilityWindowSeconds: integer('repeatability-window-seconds', values['repeatability-window-seconds']),
    emailCompletionMs: integer('email-completion-ms', values['email-completion-ms']),
    emailRetryAfterSeconds: integer('email-retry-after', values['email-retry-after']),
  };
}

async function main(): Promise<void> {
  let options: AcsSimulatorOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`acs-simulator: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const sim = await startAcsSimulator(options);
  process.stdout.write(`acs-simulator ready url=${sim.url} connectionString=${sim.connectionString} outbox=${sim.url}/_sim/outbox.html\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`acs-simulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
