// Commander wiring of the on-call commands (`queues`, `dlq list|show|replay|reissue|purge`); the
// program registers them with one call, so program.ts stays about the program.

import { createInterface } from 'node:readline/promises';
import type { Command} from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { isGuid } from '@tapline/domain';
import { CliError, EXIT } from '../cli-error.js';
import type { CliDeps } from '../commands/context.js';
import { createOutput } from '../output.js';
import type { Output } from '../output.js';
import { loadStack, requireSection } from '../stack-file.js';
import { tenantSimulator } from '../tenant-simulator.js';
import { runAction } from './actions.js';
import type { Action, ActionDocument } from './actions.js';
import { ENV, QUEUE_ALIASES, connect } from './connection.js';
import type { ConnectionOptions, OnCall, QueueAlias } from './connection.js';
import type { Selection } from './dead-letters.js';
import { table } from './table.js';
import { listView, parseShowRef, queuesView, showView } from './views.js';

export const DEFAULT_RATE = 10;
const MAX_RATE = 1000;
const DEFAULT_LIMIT = 100;
const ACTION_EXIT_CODES = `Exit codes: 0 done (skips included: read the summary), 1 failed (no stack, a service unreachable),
2 bad arguments, 4 some messages failed or stayed locked (run again), 5 not confirmed (nothing changed).`;

interface SelectionFlags extends ConnectionOptions {
  readonly queue?: QueueAlias;
  readonly reason?: string[];
  readonly since?: Date;
  readonly until?: Date;
  readonly target?: string;
  readonly request?: string[];
  readonly all?: boolean;
}

interface ActionFlags extends SelectionFlags {
  readonly dryRun?: boolean;
  readonly yes?: boolean;
  readonly rate: number;
  readonly note?: string;
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `2h`, `30m`, `7d`, `45s` (ago), or an ISO 8601 time. */
export function parseWhen(value: string, now: number = Date.now()): Date {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago) return new Date(now - Number(ago[1]) * UNITS[ago[2]!]!);
  const at = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim()) && Number.isFinite(at)) return new Date(at);
  throw new InvalidArgumentError('expected a duration ago (45s, 30m, 2h, 7d) or an ISO 8601 time.');
}

function parseRate(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > MAX_RATE) throw new InvalidArgumentError(`expected messages per second, more than 0 and at most ${MAX_RATE}.`);
  return n;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new InvalidArgumentError('expected a whole number from 1 to 20000.');
  return n;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--namespace <fqdn>', `Azure: the Service Bus namespace (or ${ENV.namespace}); signs in with DefaultAzureCredential`)
    .option('--tables <endpoint>', `Azure: the ledger's Table endpoint (or ${ENV.tables})`)
    .option('--as <name>', 'local stack only: who the audit trail records (default: your OS user)');
}

function selectionOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--queue <queue>', 'only this queue').choices(QUEUE_ALIASES))
    .option('--reason <reason>', 'dead-letter reason (repeatable)', collect)
    .option('--since <when>', 'dead-lettered at or after (2h, 30m, 7d or an ISO time)', (v) => parseWhen(v))
    .option('--until <when>', 'dead-lettered at or before', (v) => parseWhen(v))
    .option('--target <upn-or-id>', 'the target user (an object id; a UPN on the local stack)')
    .option('--request <requestId>', 'a request id (repeatable)', collect);
}

async function targetId(ref: string | undefined, options: ConnectionOptions, onCall: OnCall, deps: CliDeps): Promise<string | undefined> {
  if (ref === undefined) return undefined;
  if (isGuid(ref.trim())) return ref.trim().toLowerCase();
  if (onCall.environment === 'azure') throw new CliError('--target takes the user\'s object id in Azure (tapctl reads no directory there)', EXIT.usage);
  const tenant = requireSection(await loadStack(deps.cwd, options.stack), 'tenant');
  return (await tenantSimulator(tenant.url, deps.fetch).resolveUser(ref, 'target')).objectId;
}

async function selectionOf(ids: readonly string[], flags: SelectionFlags, onCall: OnCall, deps: CliDeps, queues: readonly QueueAlias[] = QUEUE_ALIASES): Promise<Selection> {
  const requestIds = [...(flags.request ?? [])].map((r) => r.trim().toLowerCase());
  const sequences: { queue: QueueAlias; sequenceNumber: number }[] = [];
  for (const id of ids) {
    const parsed = parseShowRef(id, onCall);
    if (parsed.sequences) sequences.push(...parsed.sequences);
    else if (isGuid(id.trim())) requestIds.push(id.trim().toLowerCase());
    else throw new CliError(`"${id}" is neither a request id (GUID) nor queue:sequence (e.g. requests:42)`, EXIT.usage);
  }
  const target = await targetId(flags.target, flags, onCall, deps);
  return {
    queues: flags.queue !== undefined ? [flags.queue] : queues,
    ...(flags.reason !== undefined && { reasons: flags.reason }),
    ...(flags.since !== undefined && { since: flags.since }),
    ...(flags.until !== undefined && { until: flags.until }),
    ...(target !== undefined && { targetId: target }),
    ...(requestIds.length > 0 && { requestIds }),
    ...(sequences.length > 0 && { sequences }),
  };
}

function describeSelection(ids: readonly string[], flags: SelectionFlags): string {
  const parts = [
    ...ids,
    ...(flags.queue ? [`--queue ${flags.queue}`] : []),
    ...(flags.reason ?? []).map((r) => `--reason ${r}`),
    ...(flags.since ? [`--since ${flags.since.toISOString()}`] : []),
    ...(flags.until ? [`--until ${flags.until.toISOString()}`] : []),
    ...(flags.target ? [`--target ${flags.target}`] : []),
    ...(flags.request ?? []).map((r) => `--request ${r}`),
    ...(flags.all ? ['--all'] : []),
  ];
  return parts.join(' ');
}

function hasSelection(ids: readonly string[], flags: SelectionFlags): boolean {
  return ids.length > 0 || flags.all === true || flags.queue !== undefined || (flags.reason?.length ?? 0) > 0 || flags.since !== undefined
    || flags.until !== undefined || flags.target !== undefined || (flags.request?.length ?? 0) > 0;
}

/** Asks on the terminal; without one, only --yes confirms. */
async function confirmOnTerminal(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError(`${question.replace(/ \[y\/N\] $/, '')}: no terminal to confirm on, add --yes`, EXIT.notConfirmed);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

async function withOnCall<T>(options: ConnectionOptions, deps: CliDeps, run: (onCall: OnCall) => Promise<T>): Promise<T> {
  const onCall = await connect(options, deps);
  try {
    return await run(onCall);
  } finally {
    await onCall.close();
  }
}

function printAction(doc: ActionDocument, out: Output): void {
  if (out.json) {
    out.result(doc);
    return;
  }
  if (doc.results.length === 0) {
    out.info('no dead letters match: nothing to do');
    return;
  }
  for (const line of table(['QUEUE', 'SEQ', 'REQUEST', 'REFERENCE', 'REASON', 'OUTCOME', 'DETAIL'],
    doc.results.map((r) => [r.queue, String(r.sequenceNumber), r.requestId ?? '-', r.referenceId ?? '-', r.reason, r.outcome, r.detail ?? (r.messageId ? `as ${r.messageId}` : '')]))) {
    out.info(line);
  }
  const skipped = Object.entries(doc.summary.skipped).map(([k, n]) => `${n} ${k}`).join(', ') || '0';
  const verb = doc.dryRun ? `would ${doc.action}` : `${doc.action === 'replay' ? 'replayed' : doc.action === 'reissue' ? 'reissued' : 'purged'}`;
  out.info('');
  out.info(`${verb} ${doc.summary.done}; skipped ${skipped}; failed ${doc.summary.failed}${doc.summary.gone > 0 ? `; gone ${doc.summary.gone}` : ''}${doc.summary.locked > 0 ? `; still locked ${doc.summary.locked}` : ''}${doc.ratePerSecond !== null ? ` (${doc.ratePerSecond}/s)` : ''}`);
  out.info(`by ${doc.operator}${doc.note ? `, note: ${doc.note}` : ''}${doc.dryRun ? ' (dry run: nothing changed)' : ''}`);
}

export function registerOnCallCommands(program: Command, deps: CliDeps, setExitCode: (code: number) => void): void {
  const flagsOf = <T>(cmd: Command) => cmd.optsWithGlobals<T & { json?: boolean }>();
  const outFor = (json: boolean | undefined) => createOutput(deps.stdout, deps.stderr, json === true);

  connectionOptions(program
    .command('queues')
    .description('Per queue: active, scheduled and dead-lettered counts, and the age of the oldest active and oldest dead-lettered message.'))
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = flagsOf<ConnectionOptions>(cmd);
      await withOnCall(flags, deps, (onCall) => queuesView(onCall, deps.now(), outFor(flags.json)));
      setExitCode(EXIT.ok);
    });

  const dlq = program.command('dlq').description('Dead letters: list, show, replay, reissue, purge (audited).');

  selectionOptions(connectionOptions(dlq.command('list').description('List dead letters (peek only: nothing is locked or moved).')))
    .option('--limit <n>', 'at most this many rows', parseLimit, DEFAULT_LIMIT)
    .action(async (_opts: unknown, cmd: Command) => {
      const flags = flagsOf<SelectionFlags & { limit: number }>(cmd);
      await withOnCall(flags, deps, async (onCall) => listView(onCall, await selectionOf([], flags, onCall, deps), flags.limit, outFor(flags.json)));
      setExitCode(EXIT.ok);
    });

  connectionOptions(dlq.command('show').description('One dead letter (or all of a request): properties, ledger timeline and audit trail.')
    .argument('<ref>', 'a request id, or queue:sequence (requests:42)'))
    .action(async (ref: string, _opts: unknown, cmd: Command) => {
      const flags = flagsOf<ConnectionOptions>(cmd);
      await withOnCall(flags, deps, (onCall) => showView(onCall, parseShowRef(ref, onCall), outFor(flags.json)));
      setExitCode(EXIT.ok);
    });

  const actionCommand = (name: Action, description: string) => selectionOptions(connectionOptions(dlq.command(name).description(description)))
    .option('--dry-run', 'show what would happen; change nothing', false)
    .option('--yes', 'confirm without asking (scripts)', false);

  const run = async (action: Action, ids: string[], flags: ActionFlags, queues?: readonly QueueAlias[]) => {
    const out = outFor((flags as { json?: boolean }).json);
    await withOnCall(flags, deps, async (onCall) => {
      const selection = await selectionOf(ids, flags, onCall, deps, queues);
      const { document, exitCode } = await runAction(action, onCall, {
        selection, selectionText: describeSelection(ids, flags), dryRun: flags.dryRun === true, yes: flags.yes === true,
        rate: flags.rate, ...(flags.note !== undefined && { note: flags.note }), confirm: confirmOnTerminal, now: deps.now,
      }, out);
      printAction(document, out);
      setExitCode(exitCode);
    });
  };

  actionCommand('replay', 'Send a copy of each selected dead letter to its queue (dead-letter properties stripped, a derived message id), then complete the original. Never resends a dead TAP.')
    .argument('[ids...]', 'request ids or queue:sequence')
    .option('--all', 'every dead letter (of --queue, if given)')
    .option('--rate <perSecond>', 'messages per second', parseRate, DEFAULT_RATE)
    .option('--note <why>', 'why, for the audit trail')
    .addHelpText('after', `
Examples:
  pnpm tapctl dlq replay 0e60f18c-b2a0-4887-9da8-da2e30a39d99 --note "granted the Graph role"
  pnpm tapctl dlq replay --reason GraphForbidden --since 2h --dry-run
  pnpm tapctl dlq replay --reason GraphForbidden --since 2h --yes --rate 20 --json

${ACTION_EXIT_CODES}`)
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const flags = flagsOf<ActionFlags>(cmd);
      if (!hasSelection(ids, flags)) throw new CliError('say what to replay: request ids, queue:sequence, a filter (--reason, --since, ...) or --all', EXIT.usage);
      await run('replay', ids, flags);
    });

  actionCommand('reissue', 'Turn a dead-lettered delivery whose TAP expired or was superseded into a fresh request: the worker checks eligibility again and issues a new TAP.')
    .argument('<requestIds...>', 'request ids')
    .option('--rate <perSecond>', 'messages per second', parseRate, DEFAULT_RATE)
    .option('--note <why>', 'why, for the audit trail')
    .addHelpText('after', `
Example:
  pnpm tapctl dlq reissue 0e60f18c-b2a0-4887-9da8-da2e30a39d99 --note "TAP expired before the user saw it"

${ACTION_EXIT_CODES}`)
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const flags = flagsOf<ActionFlags>(cmd);
      for (const id of ids) if (!isGuid(id.trim())) throw new CliError(`"${id}" is not a request id (a GUID)`, EXIT.usage);
      await run('reissue', [], { ...flags, request: [...(flags.request ?? []), ...ids] }, ['deliveries']);
    });

  actionCommand('purge', 'Remove the selected dead letters for good (after confirmation). Never without a selection.')
    .argument('[ids...]', 'request ids or queue:sequence')
    .option('--all', 'every dead letter (of --queue, if given)')
    .requiredOption('--note <why>', 'why, for the audit trail (required)')
    .addHelpText('after', `
Examples:
  pnpm tapctl dlq purge requests:42 --note "test request from the drill"
  pnpm tapctl dlq purge --reason InvalidMessage --until 7d --note "malformed, sender fixed" --yes

${ACTION_EXIT_CODES}`)
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const flags = flagsOf<Omit<ActionFlags, 'rate'>>(cmd);
      if (!hasSelection(ids, flags)) throw new CliError('purge needs a selection: request ids, queue:sequence, a filter (--reason, --since, ...) or --all', EXIT.usage);
      await run('purge', ids, { ...flags, rate: MAX_RATE });
    });
}
