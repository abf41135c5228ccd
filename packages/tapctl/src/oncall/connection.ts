// Where the on-call commands connect, and as whom. One code path for both environments wherever the
// SDKs allow it: the same ServiceBusClient calls (peek, receive, send, complete) and the same
// Ledger port, built from a connection string locally and from DefaultAzureCredential in Azure.
// Only the queue counts differ: the SDK's ServiceBusAdministrationClient speaks HTTPS/ATOM to the
// namespace's own host and port, which the emulator cannot serve (docs/decisions.md), so locally
// they come from the emulator's admin endpoint.

import os from 'node:os';
import type { ServiceBusClient } from '@azure/service-bus';
import type { Ledger } from '@tapline/ledger';
import { isRetryable } from '@tapline/domain';
import { CliError, EXIT } from '../cli-error.js';
import type { CliDeps, GlobalOptions } from '../commands/context.js';
import { callJson } from '../http.js';
import { loadStack, requireSection } from '../stack-file.js';

export const QUEUE_ALIASES = ['requests', 'deliveries'] as const;
export type QueueAlias = (typeof QUEUE_ALIASES)[number];

export interface ConnectionOptions extends GlobalOptions {
  readonly namespace?: string;
  readonly tables?: string;
  readonly as?: string;
}

export interface QueueCounts {
  readonly active: number;
  readonly scheduled: number;
  readonly deadLettered: number;
}

export interface OnCall {
  readonly environment: 'local' | 'azure';
  /** The operator, as the audit trail records them. */
  readonly operator: string;
  readonly client: ServiceBusClient;
  readonly ledger: Ledger;
  readonly queues: Readonly<Record<QueueAlias, string>>;
  counts(queue: string): Promise<QueueCounts>;
  close(): Promise<void>;
}

/** Environment variables for Azure, so a runbook can set them once. */
export const ENV = {
  namespace: 'TAPCTL_SERVICEBUS_NAMESPACE',
  tables: 'TAPCTL_TABLES_ENDPOINT',
} as const;

const DEFAULT_QUEUES: Record<QueueAlias, string> = { requests: 'tap-requests', deliveries: 'tap-deliveries' };

export async function connect(options: ConnectionOptions, deps: Pick<CliDeps, 'cwd' | 'fetch'>): Promise<OnCall> {
  const namespace = options.namespace ?? process.env[ENV.namespace];
  const tables = options.tables ?? process.env[ENV.tables];
  if (namespace !== undefined || tables !== undefined) {
    if (namespace === undefined || tables === undefined) {
      throw new CliError(`Azure needs both --namespace (or ${ENV.namespace}) and --tables (or ${ENV.tables})`, EXIT.usage);
    }
    if (options.as !== undefined) {
      throw new CliError('--as is for the local stack only: in Azure the audit trail records the signed-in identity', EXIT.usage);
    }
    return connectAzure(namespace, tables);
  }
  return connectLocal(options, deps);
}

async function connectLocal(options: ConnectionOptions, deps: Pick<CliDeps, 'cwd' | 'fetch'>): Promise<OnCall> {
  const loaded = await loadStack(deps.cwd, options.stack);
  const serviceBus = requireSection(loaded, 'serviceBus');
  const tables = requireSection(loaded, 'tables');
  const adminUrl = serviceBus.adminUrl;
  const named = (serviceBus as { queues?: Partial<Record<QueueAlias, string>> }).queues ?? {};
  const { ServiceBusClient } = await import('@azure/service-bus');
  const { createTableLedger } = await import('@tapline/ledger');
  let client: ServiceBusClient;
  try {
    client = new ServiceBusClient(serviceBus.connectionString, { retryOptions: { maxRetries: 2, timeoutInMs: 20_000 } });
  } catch {
    // Never echo the connection string.
    throw new CliError(`serviceBus.connectionString in ${loaded.where} is not a usable connection string`);
  }
  const ledger = await openLedger(() => createTableLedger({
    connectionString: tables.connectionString,
    ...(tables.tablePrefix !== undefined && { tablePrefix: tables.tablePrefix }),
    createTables: false,
    maxRequestRetries: 1,
  }), client);
  return {
    environment: 'local',
    operator: options.as?.trim() || `${os.userInfo().username}@${os.hostname()}`,
    client,
    ledger,
    queues: { requests: named.requests ?? DEFAULT_QUEUES.requests, deliveries: named.deliveries ?? DEFAULT_QUEUES.deliveries },
    async counts(queue) {
      if (adminUrl === undefined) throw new CliError(`the stack file ${loaded.where} has no serviceBus.adminUrl: restart \`pnpm start\``);
      const answer = await callJson(deps.fetch, 'Service Bus emulator', new URL(`queues/${encodeURIComponent(queue)}`, `${adminUrl.replace(/\/+$/, '')}/`).toString(), { method: 'GET' });
      const body = answer.json as Partial<QueueCounts> | undefined;
      if (answer.status !== 200 || body === undefined) throw new CliError(`the Service Bus emulator has no queue ${queue} (${answer.status})`);
      return { active: body.active ?? 0, scheduled: body.scheduled ?? 0, deadLettered: body.deadLettered ?? 0 };
    },
    close: () => client.close(),
  };
}

async function connectAzure(namespace: string, tablesEndpoint: string): Promise<OnCall> {
  const [{ DefaultAzureCredential }, { ServiceBusClient, ServiceBusAdministrationClient }, { createTableLedger }] = await Promise.all([
    import('@azure/identity'), import('@azure/service-bus'), import('@tapline/ledger'),
  ]);
  const credential = new DefaultAzureCredential();
  const host = namespace.replace(/^sb:\/\//, '').replace(/\/+$/, '');
  const operator = await operatorFromToken(() => credential.getToken('https://servicebus.azure.net/.default'));
  const client = new ServiceBusClient(host, credential, { retryOptions: { maxRetries: 2, timeoutInMs: 20_000 } });
  const admin = new ServiceBusAdministrationClient(host, credential);
  const ledger = await openLedger(() => createTableLedger({ endpoint: tablesEndpoint, credential, createTables: false, maxRequestRetries: 1 }), client);
  return {
    environment: 'azure',
    operator,
    client,
    ledger,
    queues: DEFAULT_QUEUES,
    async counts(queue) {
      const p = await admin.getQueueRuntimeProperties(queue);
      return { active: p.activeMessageCount, scheduled: p.scheduledMessageCount, deadLettered: p.deadLetterMessageCount };
    },
    close: () => client.close(),
  };
}

async function openLedger(open: () => Promise<Ledger>, client: ServiceBusClient): Promise<Ledger> {
  try {
    return await open();
  } catch (err) {
    await client.close();
    if (isRetryable(err)) throw err;
    throw new CliError('cannot open the ledger: its connection settings are not usable');
  }
}

/**
 * The operator in Azure: the object id (and display name) of the signed-in identity's token. The
 * UPN is left out on purpose: it is an email address, which tapctl never prints or stores.
 */
export async function operatorFromToken(getToken: () => Promise<{ token: string } | null>): Promise<string> {
  let token: { token: string } | null;
  try {
    token = await getToken();
  } catch (err) {
    throw new CliError(`cannot sign in to Azure (DefaultAzureCredential): ${(err as Error).name}; run \`az login\` or set a managed identity`);
  }
  const claims = token ? decodeClaims(token.token) : {};
  const oid = typeof claims.oid === 'string' ? claims.oid : undefined;
  if (oid === undefined) throw new CliError('the Azure token carries no object id (oid): tapctl cannot record who acted');
  const name = typeof claims.name === 'string' ? claims.name : typeof claims.appid === 'string' ? `app ${claims.appid}` : 'unknown';
  return `${name} (oid ${oid})`;
}

function decodeClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return {};
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
