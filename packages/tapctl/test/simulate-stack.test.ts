// The tapctl bin against the real stand-ins, each its own process: the tenant simulator (users,
// relay token, waiting requests), the intake's local host (auth and contract), the Service Bus
// emulator and Azurite. No worker runs here: the test plays it (takes the message off
// tap-requests, writes the ledger), so `--wait` and `status` read what a worker would write through
// the real Table adapter. The whole pipeline with the real worker and notifier is the end-to-end
// suite's job (test/ at the repository root).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeTapRequest, referenceIdFor } from '@tapline/domain';
import { createTableLedger } from '@tapline/ledger';
import { defaultTopologyPath, spawnEmulator } from '@tapline/servicebus-emulator';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import type { SpawnedEmulator } from '@tapline/servicebus-emulator';
import { spawnReady, startAzurite, startTenantSimulator } from '@tapline/test-harness';
import type { Azurite, ReadyProcess, TenantSimulatorProcess } from '@tapline/test-harness';
import { binDir, runTapctl } from './helpers/processes.js';

const BEN = DEMO.ben.id;
const ALICE = DEMO.alice.id;
const AUDIENCE = 'api://tapline-intake';

let emulator: SpawnedEmulator;
let tenant: TenantSimulatorProcess;
let intake: ReadyProcess;
let azurite: Azurite;
let dir: string;
let stackFile: string;
let bus: ServiceBusClient;
let receiver: ServiceBusReceiver;

/** Takes one message off tap-requests, as the worker would, within `timeoutMs`. */
async function takeRequest(timeoutMs = 15_000): Promise<ServiceBusReceivedMessage> {
  const deadline = Date.now() + timeoutMs;
  for (let round = 0; round < 50 && Date.now() < deadline; round++) {
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: Math.min(1_000, Math.max(50, deadline - Date.now())) });
    if (message) return message;
  }
  throw new Error(`no message on tap-requests within ${timeoutMs} ms`);
}

beforeAll(async () => {
  [emulator, tenant, azurite] = await Promise.all([
    spawnEmulator({ topology: defaultTopologyPath }),
    startTenantSimulator(['--no-throttle']),
    startAzurite(),
  ]);
  const tenantId = tenant.tenantId;
  const minted = await tenant.sim<{ claims: { appid: string } }>('POST', 'tokens', { audience: AUDIENCE });
  if (minted.status !== 200) throw new Error(`/_sim/tokens: ${String(minted.status)}`);
  const { claims } = minted.body;
  intake = await spawnReady({ command: `${binDir}intake-local`, readyLine: /intake ready at (http:\/\/\S+)/, env: {
    SERVICEBUS_CONNECTION_STRING: emulator.connectionString,
    INTAKE_TENANT_ID: tenantId,
    INTAKE_AUDIENCE: AUDIENCE,
    INTAKE_ALLOWED_CALLERS: claims.appid,
    INTAKE_AUTHORITY_HOST: tenant.url,
    INTAKE_PORT: '0',
    LOG_LEVEL: 'warn',
  } });
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-stack-'));
  stackFile = path.join(dir, 'stack.json');
  await writeFile(stackFile, JSON.stringify({
    intake: { url: intake.match[1] },
    serviceBus: { connectionString: emulator.connectionString, adminUrl: `http://${emulator.host}:${String(emulator.adminPort)}` },
    tables: { connectionString: azurite.connectionString },
    tenant: { url: tenant.url, tenantId },
    logs: { dir },
  }));
  bus = new ServiceBusClient(emulator.connectionString);
  receiver = bus.createReceiver('tap-requests', { receiveMode: 'receiveAndDelete' });
}, 90_000);

afterAll(async () => {
  await receiver?.close();
  await bus?.close();
  await Promise.all([intake?.stop(), tenant?.stop(), emulator?.stop(), azurite?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tapctl simulate on the local stand-ins', () => {
  it('is accepted by the real intake, lands on tap-requests as the manager\'s request, and waits for a callback', async () => {
    const run = await runTapctl(['--stack', stackFile, 'simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak@contoso.onmicrosoft.com', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { requestId: string; status: string; reasons: string[] };
    expect(result).toMatchObject({ status: 'accepted', reasons: [] });

    const message = await takeRequest();
    expect(message.correlationId).toBe(result.requestId);
    const decoded = decodeTapRequest(message.body);
    expect(decoded).toMatchObject({
      ok: true,
      message: {
        requestId: result.requestId, requestorId: BEN, targetId: ALICE, requestType: 'onBehalfAdd', stage: 'assignmentRequestApproved',
        callback: { uriPath: `/identityGovernance/entitlementManagement/assignmentRequests/${result.requestId}/resume` },
      },
    });

    const { body: waiting } = await tenant.sim<{ value: { id: string; stage: string; customExtensionStageInstanceId: string; requestStatus: string }[] }>('GET', 'waiting-requests');
    expect(waiting.value.find((w) => w.id === result.requestId)).toMatchObject({
      stage: 'assignmentRequestApproved',
      customExtensionStageInstanceId: message.messageId,
      requestStatus: 'WaitingForCallback',
    });
  });

  it('--wait follows the request through the ledger to delivered, and status shows the same story', async () => {
    const waiting = runTapctl(['--stack', stackFile, 'simulate', '--requestor', BEN, '--target', 'alice.novak', '--wait', '--timeout', '30', '--json'], 45_000);

    // Play the worker and the notifier. The tables do not exist until now: tapctl must cope.
    const message = await takeRequest();
    const decoded = decodeTapRequest(message.body);
    if (!decoded.ok) throw new Error('undecodable request message');
    const { requestId } = decoded.message;
    const ledger = await createTableLedger({ connectionString: azurite.connectionString });
    const tapId = '5f1d7a3e-9a57-4d8c-8f6b-8c6b1b0f2a11';
    await ledger.recordReceived({ requestId, targetId: decoded.message.targetId, requestorId: decoded.message.requestorId, referenceId: referenceIdFor(requestId), stage: decoded.message.stage, at: new Date() });
    await ledger.transition(requestId, 'issuing', { note: 'attempt 1' });
    await ledger.transition(requestId, 'issued', { tapId });
    await ledger.appendAudit({ requestId, actor: 'worker', action: 'tap.issued', detail: { tapId }, at: new Date() });
    await ledger.transition(requestId, 'delivered', { channel: 'sms', note: 'delivered by sms' });
    await ledger.appendAudit({ requestId, actor: 'notifier', action: 'delivery.sent', detail: { channel: 'sms' }, at: new Date() });

    const run = await waiting;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toEqual([JSON.stringify({ requestId, status: 'delivered', reasons: [] })]);
    const events = run.stderr.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.split(/\s{2,}/)[2]);
    expect(events).toEqual(['received', 'issuing', 'issued', 'tap.issued', 'delivered', 'delivery.sent']);

    const status = await runTapctl(['--stack', stackFile, 'status', requestId]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`request     ${requestId} (${referenceIdFor(requestId)})`);
    expect(status.stdout).toContain('status      delivered (terminal)');
    expect(status.stdout).toMatch(/audit\s+delivery\.sent\s+by notifier channel=sms/);
  });
});
