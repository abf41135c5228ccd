// The command line: commander wiring only. Each action parses nothing itself: commander checks the
// options (choices, numbers), the command module does the work, and `runCli` turns whatever was
// thrown into one readable line and an exit code, in one place.

import { randomUUID } from 'node:crypto';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { REQUEST_STAGES, REQUEST_TYPES, isPermanent, isRetryable, scrubSecrets } from '@tapline/domain';
import type { RequestStage, RequestType } from '@tapline/domain';
import { DEFAULT_REQUEST_TYPE, DEFAULT_STAGE, newCalloutIds } from './callout-body.js';
import { CliError, EXIT } from './cli-error.js';
import type { CliDeps, GlobalOptions } from './commands/context.js';
import { simulate } from './commands/simulate.js';
import { status } from './commands/status.js';
import { trace } from './commands/trace.js';
import { openTableLedger } from './ledger.js';
import { registerOnCallCommands } from './oncall/register.js';
import { createOutput } from './output.js';
import { DEFAULT_STACK_FILE } from './stack-file.js';

export const DEFAULT_TIMEOUT_SECONDS = 60;
const MAX_TIMEOUT_SECONDS = 3600;
const DEFAULT_POLL_MS = 200;

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_TIMEOUT_SECONDS) {
    throw new InvalidArgumentError(`expected seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}.`);
  }
  return n;
}

function buildProgram(deps: CliDeps, setExitCode: (code: number) => void): Command {
  const program = new Command('tapctl')
    .description('On-call CLI for tapline: simulate requests on the local stack, follow them in the ledger and in traces, and inspect, replay, reissue or purge dead letters.')
    .option('--stack <path>', `stack file written by \`pnpm start\` (default: ${DEFAULT_STACK_FILE} in this directory or above, up to the repository root)`)
    .option('--json', 'machine-readable output: one JSON document as the last line of stdout; progress goes to stderr')
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void deps.stdout.write(s),
      writeErr: (s) => void deps.stderr.write(s),
      outputError: (s, write) => write(`tapctl: ${s.replace(/^error: /, '')}`),
    });

  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  program
    .command('simulate')
    .description('Play Entra and the relay: submit a manager\'s on-behalf request for a report to the local intake.')
    .requiredOption('--requestor <upn-or-id>', 'who asks (the manager): object id, UPN, or the UPN\'s local part')
    .requiredOption('--target <upn-or-id>', 'who the TAP is for (the report): object id, UPN, or the UPN\'s local part')
    .addOption(new Option('--stage <stage>', 'the custom-extension stage Entra calls at').choices(REQUEST_STAGES).default(DEFAULT_STAGE))
    .addOption(new Option('--request-type <type>', 'the request type Entra reports').choices(REQUEST_TYPES).default(DEFAULT_REQUEST_TYPE))
    .option('--wait', 'follow the request in the ledger until it comes to rest, printing its timeline', false)
    .option('--timeout <seconds>', 'how long --wait waits', parseTimeout, DEFAULT_TIMEOUT_SECONDS)
    .addHelpText('after', `
Examples:
  pnpm tapctl simulate --requestor ben.okafor --target alice.novak --wait
  pnpm tapctl simulate --requestor ben.okafor@contoso.onmicrosoft.com --target erin.walsh --wait --json
  pnpm tapctl simulate --requestor oscar.reyes --target alice.novak --stage assignmentRequestCreated

Exit codes: 0 submitted (with --wait: the request came to rest, whatever its outcome),
1 failed (no stack, a service refused or is unreachable), 2 bad arguments, 3 --wait timed out.`)
    .action(async (_opts: unknown, cmd: Command) => {
      const o = globals(cmd) as GlobalOptions & {
        requestor: string; target: string; stage: RequestStage; requestType: RequestType; wait: boolean; timeout: number;
      };
      setExitCode(await simulate(o, deps, createOutput(deps.stdout, deps.stderr, o.json === true)));
    });

  program
    .command('trace')
    .description('Show one request\'s spans across intake, worker and notifier (service, operation, duration, status) from the local telemetry stand-in.')
    .argument('<requestId>', 'the AccessPackageAssignmentRequestId (a GUID)')
    .addHelpText('after', `
Examples:
  pnpm tapctl trace 0e60f18c-b2a0-4887-9da8-da2e30a39d99
  pnpm tapctl trace 0e60f18c-b2a0-4887-9da8-da2e30a39d99 --json | jq '.spans[0].name'`)
    .action(async (requestId: string, _opts: unknown, cmd: Command) => {
      const o = globals(cmd);
      setExitCode(await trace(requestId, o, deps, createOutput(deps.stdout, deps.stderr, o.json === true)));
    });

  program
    .command('status')
    .description('Show one request\'s status and timeline (status steps and audit events) from the ledger.')
    .argument('<requestId>', 'the AccessPackageAssignmentRequestId (a GUID)')
    .addHelpText('after', `
Examples:
  pnpm tapctl status 0e60f18c-b2a0-4887-9da8-da2e30a39d99
  pnpm tapctl status 0e60f18c-b2a0-4887-9da8-da2e30a39d99 --json | jq .timeline`)
    .action(async (requestId: string, _opts: unknown, cmd: Command) => {
      const o = globals(cmd);
      setExitCode(await status(requestId, o, deps, createOutput(deps.stdout, deps.stderr, o.json === true)));
    });

  registerOnCallCommands(program, deps, setExitCode);

  return program;
}

/** The one place an error becomes a line on stderr (no stack for anything expected, no secret). */
function report(err: unknown, deps: CliDeps): number {
  const line = (message: string) => void deps.stderr.write(`tapctl: ${scrubSecrets(message)}\n`);
  if (err instanceof CliError) {
    // Our own text; whatever came from outside was scrubbed where it entered.
    deps.stderr.write(`tapctl: ${err.message}\n`);
    return err.exitCode;
  }
  if (isRetryable(err)) {
    line(`${err.message}: is \`pnpm start\` running?`);
    return EXIT.failed;
  }
  // By name: the ledger package is loaded lazily (see ledger.ts).
  if ((err instanceof Error && err.name === 'LedgerAccessError') || isPermanent(err)) {
    line(err.message);
    return EXIT.failed;
  }
  // A bug: say so, and keep the stack for whoever asks for it.
  const message = err instanceof Error ? err.message : String(err);
  line(`unexpected error: ${message}${process.env.TAPCTL_DEBUG ? '' : ' (set TAPCTL_DEBUG=1 for the stack trace)'}`);
  if (process.env.TAPCTL_DEBUG && err instanceof Error && err.stack) deps.stderr.write(`${scrubSecrets(err.stack)}\n`);
  return EXIT.failed;
}

export function defaultDeps(): CliDeps {
  return {
    // `pnpm tapctl` runs in the repository root; resolve --stack against where the user typed it.
    cwd: process.env.npm_lifecycle_event === 'tapctl' && process.env.INIT_CWD ? process.env.INIT_CWD : process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    fetch: (url, init) => fetch(url, init),
    openLedger: openTableLedger,
    newIds: () => newCalloutIds(randomUUID),
    pollMs: DEFAULT_POLL_MS,
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  };
}

/** Runs tapctl with `argv` (the arguments after the program name); resolves to the exit code. */
export async function runCli(argv: readonly string[], overrides: Partial<CliDeps> = {}): Promise<number> {
  const deps: CliDeps = { ...defaultDeps(), ...overrides };
  let exitCode: number = EXIT.ok;
  const program = buildProgram(deps, (code) => (exitCode = code));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    // Commander already printed its message (or the help); only the exit code is left to decide.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    return report(err, deps);
  }
}
