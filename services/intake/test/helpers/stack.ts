// The intake's integration stack, each part its own process: the Service Bus emulator, the tenant
// simulator (JWKS and tokens) and the intake's local host configured against both.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { spawnEmulator } from '@tapline/servicebus-emulator';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import type { TestTokenRequest } from '@tapline/tenant-simulator';
import * as harness from '@tapline/test-harness';
import type { ReadyProcess } from '@tapline/test-harness';

export const serviceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The relay app and the intake's audience in the simulator's demo org. */
export const RELAY_AUDIENCE = 'api://tapline-intake';
export const QUEUE = 'tap-requests';

export interface TenantSim {
  readonly url: string;
  readonly tenantId: string;
  readonly process: ReadyProcess;
  relayToken(): Promise<string>;
  /** `POST /_sim/tokens`: any token a negative test needs. */
  mintToken(request: TestTokenRequest): Promise<string>;
  relayAppId(): Promise<string>;
}

export async function startTenantSimulator(): Promise<TenantSim> {
  const { url, tenantId, process: proc } = await harness.startTenantSimulator(['--no-throttle']);
  const post = async (pathName: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url}${pathName}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${pathName}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  let appId: string | undefined;
  return {
    url,
    tenantId,
    process: proc,
    relayToken: async () => String((await post('/_sim/tokens/relay', {})).access_token),
    mintToken: async (request) => String((await post('/_sim/tokens', request)).access_token),
    relayAppId: async () => {
      if (appId === undefined) {
        const { claims } = (await post('/_sim/tokens', { audience: RELAY_AUDIENCE })) as { claims: { appid: string } };
        appId = claims.appid;
      }
      return appId;
    },
  };
}

export async function startEmulator(nodeArgs: readonly string[] = []): Promise<SpawnedEmulator> {
  return spawnEmulator({ topology: path.join(serviceDir, '../../infra/topology.json'), nodeArgs });
}

export interface IntakeHost {
  readonly url: string;
  readonly process: ReadyProcess;
}

export function intakeEnv(emulator: { connectionString: string }, tenant: TenantSim, relayAppId: string): Record<string, string> {
  return {
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    INTAKE_TENANT_ID: tenant.tenantId,
    INTAKE_AUDIENCE: RELAY_AUDIENCE,
    INTAKE_ALLOWED_CALLERS: relayAppId,
    INTAKE_AUTHORITY_HOST: tenant.url,
    INTAKE_PORT: '0',
    LOG_LEVEL: 'warn',
  };
}

export async function startIntake(env: Record<string, string>, nodeArgs: readonly string[] = []): Promise<IntakeHost> {
  const proc = await harness.spawnReady({
    command: process.execPath,
    args: [...nodeArgs, path.join(serviceDir, 'bin/intake-local.js')],
    env,
    readyLine: /intake ready at (http:\/\/\S+)/,
  });
  return { url: proc.match[1] ?? '', process: proc };
}

/** Reads (and removes) messages from tap-requests with the SDK, as the worker would see them. */
export class QueueProbe {
  private readonly client: ServiceBusClient;
  private readonly receiver: ServiceBusReceiver;

  constructor(
    connectionString: string,
    private readonly adminUrl: string,
  ) {
    this.client = new ServiceBusClient(connectionString);
    this.receiver = this.client.createReceiver(QUEUE, { receiveMode: 'receiveAndDelete' });
  }

  /** Active messages in the queue right now, from the emulator's admin endpoint. */
  async activeCount(): Promise<number> {
    const res = await fetch(`${this.adminUrl}/queues/${QUEUE}`);
    return ((await res.json()) as { active: number }).active;
  }

  /** Receive until `count` arrived or `timeoutMs` passed; then one short extra wait for strays. */
  async receive(count: number, timeoutMs = 5_000): Promise<ServiceBusReceivedMessage[]> {
    const got: ServiceBusReceivedMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    for (let round = 0; round < 100 && got.length < count && Date.now() < deadline; round++) {
      got.push(...(await this.receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: Math.min(1_000, Math.max(50, deadline - Date.now())) })));
    }
    got.push(...(await this.receiver.receiveMessages(10, { maxWaitTimeInMs: 200 })));
    return got;
  }

  async purge(): Promise<void> {
    await fetch(`${this.adminUrl}/queues/${QUEUE}/purge`, { method: 'POST' });
  }

  async close(): Promise<void> {
    await this.receiver.close();
    await this.client.close();
  }
}

export function adminUrlOf(emulator: SpawnedEmulator): string {
  return `http://${emulator.host}:${String(emulator.adminPort)}`;
}
