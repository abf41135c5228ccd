// The local stand-ins the notifier meets in production's place, each a separate process: the
// Service Bus emulator, Azurite (tables), the ACS simulator and the tenant simulator. Helpers seal
// and publish deliveries the way the worker does, so these tests need no worker.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import {
  deliveryMessageId, deliveryTimeToLiveMs, encodeDeliveryContacts, encodeTapOutcome, referenceIdFor, sealingAad,
  type CallbackRef, type DeliveryContacts,
} from '@tapline/domain';
import { createTableLedger, type Ledger } from '@tapline/ledger';
import { defaultTopologyPath } from '@tapline/servicebus-emulator';
import { createKeyRing, type KeyRing } from '@tapline/sealing';
import { spawnReady, startAcsSimulator, startAzurite, startTenantSimulator, type ReadyProcess, type SpawnedProcess } from '@tapline/test-harness';
import { NOTIFIER_BIN, binPath, logTo } from './processes.js';
import { demoApp } from '@tapline/tenant-simulator/demo-org';

export const QUEUE = 'tap-deliveries';
export const SMS_FROM = '+18005550100';
export const EMAIL_SENDER = 'DoNotReply@tapline.example';
/** tapline-notifier's managed identity in the simulator's demo org. */
export const NOTIFIER_CLIENT_ID = demoApp('tapline-notifier').appId;

export interface OutboxEntry {
  seq: number; channel: 'sms' | 'email'; to: string; body: string; subject?: string; html?: string;
  repeatabilityRequestId?: string; operationId?: string; time: string;
}

export interface Stack {
  readonly logs: Map<string, string[]>;
  readonly ring: KeyRing;
  readonly ledger: Ledger;
  readonly sb: ServiceBusClient;
  readonly acsUrl: string;
  readonly tenantUrl: string;
  notifierEnv(overrides?: Record<string, string>): Record<string, string>;
  startNotifier(overrides?: Record<string, string>): Promise<ReadyProcess>;
  publish(message: Awaited<ReturnType<Stack['aDelivery']>>, messageId?: string): Promise<void>;
  aDelivery(input: DeliveryInput): Promise<SealedDelivery>;
  outbox(filter?: { to?: string; channel?: string }): Promise<OutboxEntry[]>;
  acsFault(fault: Record<string, unknown>): Promise<void>;
  clearAcsFaults(): Promise<void>;
  tenantTapSha256(userId: string): Promise<string | undefined>;
  createTap(userId: string): Promise<{ id: string; secret: string }>;
  registerWaiting(requestId: string, callback: CallbackRef): Promise<void>;
  resumeCalls(): Promise<{ requestId: string; status: number; body: { data?: { state?: string; customExtensionStageInstanceDetail?: string } } }[]>;
  deadLetters(): Promise<ServiceBusReceivedMessage[]>;
  stop(): Promise<void>;
}

export interface DeliveryInput {
  readonly targetId: string;
  readonly requestorId: string;
  readonly contacts: DeliveryContacts;
  /** A real TAP from the tenant simulator, or a made-up one. */
  readonly tap?: { id: string; secret: string };
  readonly lifetimeMinutes?: number;
  readonly issuedAt?: Date;
  readonly callback?: boolean;
  /** Seed the ledger as issued with this TAP current (default), or another one (superseded). */
  readonly currentTapId?: string;
}

export interface SealedDelivery {
  readonly requestId: string;
  readonly tapId: string;
  readonly secret: string;
  readonly body: string;
  readonly expiresAt: string;
  readonly callback?: CallbackRef;
}

/** The topology of infra/topology.json with a short lock, so a crashed notifier's message returns in seconds. */
async function testTopology(dir: string): Promise<string> {
  const topology = JSON.parse(await readFile(defaultTopologyPath, 'utf8')) as { queues: Record<string, Record<string, unknown>> };
  const deliveries = topology.queues[QUEUE];
  if (deliveries === undefined) throw new Error(`${QUEUE} is not in the topology`);
  deliveries.lockDuration = 'PT5S';
  const file = join(dir, 'topology.json');
  await writeFile(file, JSON.stringify(topology));
  return file;
}

export async function startStack(options: { acsArgs?: string[] } = {}): Promise<Stack> {
  const logs = new Map<string, string[]>();
  const procs: SpawnedProcess[] = [];
  try {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-it-'));
    const [sbProc, azurite, acs, tenant] = await Promise.all([
      // The emulator's bin through the generic spawner, not spawnEmulator: the log scan wants every
      // line it writes, and spawnEmulator keeps only the tail of its stderr.
      testTopology(dir).then((topology) => spawnReady({
        name: 'servicebus-emulator', command: binPath('servicebus-emulator'), args: ['--port', '0', '--admin-port', '0', '--topology', topology],
        readyLine: /servicebus-emulator ready .*connection-string=(\S+)/,
      })).then((p) => logTo(logs, p)),
      // Not silent: its request log joins the scan.
      startAzurite({ silent: false }).then((a) => logTo(logs, a)),
      startAcsSimulator(['--email-retry-after', '0', ...(options.acsArgs ?? [])]).then((a) => logTo(logs, a)),
      startTenantSimulator(['--log-requests']).then((t) => logTo(logs, t)),
    ]);
    procs.push(sbProc, azurite.process, acs.process, tenant.process);
    const sbConnection = sbProc.match[1]!;
    const tablesConnection = azurite.connectionString;
    const { url: acsUrl, connectionString: acsConnection } = acs;
    const { url: tenantUrl, identityHeader } = tenant;
    const tablePrefix = `nt${randomBytes(4).toString('hex')}`;
    const ledger = await createTableLedger({ connectionString: tablesConnection, tablePrefix });
    const keys = { 'it-1': randomBytes(32).toString('base64') };
    const ring = createKeyRing({ activeKid: 'it-1', keys });
    const sb = new ServiceBusClient(sbConnection, { retryOptions: { maxRetries: 2, timeoutInMs: 10_000 } });
    const sender = sb.createSender(QUEUE);
    const notifiers: ReadyProcess[] = [];

    const json = async <T>(res: Response): Promise<T> => {
      if (!res.ok) throw new Error(`${res.url} answered ${res.status}: ${await res.text()}`);
      return (res.status === 204 ? undefined : await res.json()) as T;
    };

    const stack: Stack = {
      logs, ring, ledger, sb, acsUrl, tenantUrl,
      notifierEnv(overrides = {}) {
        return {
          SERVICEBUS_CONNECTION_STRING: sbConnection,
          TABLES_CONNECTION_STRING: tablesConnection,
          TABLES_PREFIX: tablePrefix,
          TAPLINE_SEALING_KEYS: `it-1:${keys['it-1']}`,
          TAPLINE_SEALING_ACTIVE_KID: 'it-1',
          ACS_CONNECTION_STRING: acsConnection,
          ACS_SMS_FROM: SMS_FROM,
          ACS_EMAIL_SENDER: EMAIL_SENDER,
          ACS_EMAIL_POLL_INTERVAL_MS: '20',
          GRAPH_BASE_URL: tenantUrl,
          GRAPH_CREDENTIAL: 'managed-identity',
          GRAPH_MANAGED_IDENTITY_CLIENT_ID: NOTIFIER_CLIENT_ID,
          IDENTITY_ENDPOINT: `${tenantUrl}/msi/token`,
          IDENTITY_HEADER: identityHeader,
          NOTIFIER_RETRY_BASE_DELAY_MS: '500',
          NOTIFIER_SHUTDOWN_DEADLINE_MS: '5000',
          LOG_LEVEL: 'debug',
          ...overrides,
        };
      },
      async startNotifier(overrides = {}) {
        const proc = logTo(logs, await spawnReady({
          name: 'notifier', command: process.execPath, args: [NOTIFIER_BIN], env: stack.notifierEnv(overrides),
          readyLine: /^notifier ready/, stopGraceMs: 10_000,
        }));
        notifiers.push(proc);
        return proc;
      },
      async aDelivery(input) {
        const requestId = randomUUID();
        const tap = input.tap ?? { id: randomUUID(), secret: `Tq${randomBytes(6).toString('base64url')}9!` };
        const issuedAt = input.issuedAt ?? new Date();
        const lifetimeMinutes = input.lifetimeMinutes ?? 60;
        const expiresAt = new Date(issuedAt.getTime() + lifetimeMinutes * 60_000);
        const callback: CallbackRef | undefined = input.callback
          ? { uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${requestId}/resume`, stage: 'assignmentRequestApproved', stageInstanceId: randomUUID() }
          : undefined;
        const body = encodeTapOutcome({
          kind: 'delivery', schemaVersion: 1, requestId, tapId: tap.id, targetId: input.targetId, requestorId: input.requestorId,
          issuedAt: issuedAt.toISOString(), expiresAt: expiresAt.toISOString(), lifetimeMinutes, isUsableOnce: true,
          sealedSecret: ring.seal(tap.secret, sealingAad(requestId, tap.id, 'secret')),
          sealedContacts: ring.seal(encodeDeliveryContacts(input.contacts), sealingAad(requestId, tap.id, 'contacts')),
          ...(callback !== undefined && { callback }),
          attempt: 1,
        });
        // The ledger as the worker leaves it before publishing.
        await ledger.recordReceived({ requestId, targetId: input.targetId, requestorId: input.requestorId, referenceId: referenceIdFor(requestId), at: issuedAt });
        await ledger.transition(requestId, 'issuing', {}, issuedAt);
        const lease = await ledger.acquireTargetLease(input.targetId, 'it-worker', 60_000);
        if (lease === null) throw new Error('target lease is held');
        const held = await ledger.setCurrentTap(lease, { tapId: input.currentTapId ?? tap.id, requestId, issuedAt, expiresAt });
        await ledger.releaseTargetLease(held);
        await ledger.transition(requestId, 'issued', { tapId: tap.id, tapExpiresAt: expiresAt }, issuedAt);
        return { requestId, tapId: tap.id, secret: tap.secret, body, expiresAt: expiresAt.toISOString(), ...(callback !== undefined && { callback }) };
      },
      async publish(d, messageId = deliveryMessageId(d.requestId, d.tapId)) {
        const ttl = deliveryTimeToLiveMs({ expiresAt: d.expiresAt }, new Date());
        await sender.sendMessages({ body: d.body, messageId, contentType: 'application/json', ...(ttl > 0 && { timeToLive: ttl }) });
      },
      async outbox(filter = {}) {
        const q = new URLSearchParams(filter as Record<string, string>);
        return (await json<{ messages: OutboxEntry[] }>(await fetch(`${acsUrl}/_sim/outbox?${q.toString()}`))).messages;
      },
      async acsFault(fault) {
        await json(await fetch(`${acsUrl}/_sim/faults`, { method: 'POST', body: JSON.stringify(fault), headers: { 'content-type': 'application/json' } }));
      },
      async clearAcsFaults() {
        await json(await fetch(`${acsUrl}/_sim/faults`, { method: 'DELETE' }));
      },
      async tenantTapSha256(userId) {
        const res = await fetch(`${tenantUrl}/_sim/users/${userId}/tap`);
        if (res.status === 404) return undefined;
        return (await json<{ sha256: string }>(res)).sha256;
      },
      async createTap(userId) {
        const token = (await json<{ access_token: string }>(await fetch(`${tenantUrl}/_sim/tokens`, {
          method: 'POST', body: JSON.stringify({ app: 'tapline-worker' }), headers: { 'content-type': 'application/json' },
        }))).access_token;
        const tap = await json<{ id: string; temporaryAccessPass: string }>(await fetch(`${tenantUrl}/v1.0/users/${userId}/authentication/temporaryAccessPassMethods`, {
          method: 'POST', body: JSON.stringify({ lifetimeInMinutes: 60, isUsableOnce: true }),
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        }));
        return { id: tap.id, secret: tap.temporaryAccessPass };
      },
      async registerWaiting(requestId, callback) {
        await json(await fetch(`${tenantUrl}/_sim/waiting-requests`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: requestId, stage: callback.stage, customExtensionStageInstanceId: callback.stageInstanceId }),
        }));
      },
      async resumeCalls() {
        return (await json<{ value: Awaited<ReturnType<Stack['resumeCalls']>> }>(await fetch(`${tenantUrl}/_sim/resume-calls`))).value;
      },
      async deadLetters() {
        const receiver = sb.createReceiver(QUEUE, { subQueueType: 'deadLetter' });
        try {
          return await receiver.peekMessages(100, { fromSequenceNumber: undefined });
        } finally {
          await receiver.close();
        }
      },
      async stop() {
        await Promise.allSettled(notifiers.map((n) => n.stop({ graceMs: 5_000 })));
        await sender.close().catch(() => undefined);
        await sb.close().catch(() => undefined);
        await Promise.allSettled(procs.map((p) => p.stop({ graceMs: 5_000 })));
      },
    };
    return stack;
  } catch (err) {
    await Promise.allSettled(procs.map((p) => p.kill()));
    throw err;
  }
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** The TAP as the SMS and email templates write it. */
export function tapIn(text: string): string | undefined {
  return /Temporary Access Pass(?: is|:) (\S+?)(?: \(valid|\s*$|\n)/m.exec(text)?.[1];
}
