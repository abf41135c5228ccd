// `tapctl simulate` in-process, against a fake tenant simulator and intake (a fetch stand-in that
// checks what a real one would) and the in-memory ledger, advanced by a scripted "worker" on each
// poll. The same flow against the real processes is in simulate-stack.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeExtensionEvent, RetryableError } from '@tapline/domain';
import { createMemoryLedger } from '@tapline/ledger';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import type { DemoPerson } from '@tapline/tenant-simulator/demo-org';
import type { Ledger } from '@tapline/ledger';
import type { CalloutIds, CliDeps, LedgerReader } from '../src/index.js';
import { isOneReadableLine, run } from './helpers/run.js';

const simUser = (p: DemoPerson) => ({ id: p.id, userPrincipalName: p.userPrincipalName, displayName: p.displayName });
const BEN = simUser(DEMO.ben);
const ALICE = simUser(DEMO.alice);
const RELAY_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJhcHBpZCI6InJlbGF5In0.c2lnbmF0dXJlLW5vdC1jaGVja2Vk';
const IDS: CalloutIds = {
  requestId: '0e60f18c-b2a0-4887-9da8-da2e30a39d99',
  stageInstanceId: '957d0c50-466b-4840-bb5b-c92cea7141ff',
  assignmentId: '6b0b8a5e-5d0e-4a8e-9f53-6f0d2c1e7a10',
  targetSubjectId: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
  requestorSubjectId: '2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a',
};

interface Call { method: string; path: string; headers: Headers; body: unknown }

/** The tenant simulator's /_sim/ surface and the intake, as far as simulate uses them. */
function fakeStack(intakeAnswer: (body: unknown) => { status: number; body: unknown; type?: string } = () => ({ status: 202, body: { requestId: IDS.requestId, status: 'accepted' } })) {
  const calls: Call[] = [];
  const fetch: CliDeps['fetch'] = (url, init) => {
    const u = new URL(url);
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ method: init.method ?? 'GET', path: u.pathname, headers: new Headers(init.headers), body });
    const json = (status: number, value: unknown, type = 'application/json') => Promise.resolve(new Response(JSON.stringify(value), { status, headers: { 'content-type': type } }));
    switch (`${init.method} ${u.host} ${u.pathname}`) {
      case 'GET tenant.test /_sim/users': return json(200, { value: [BEN, ALICE] });
      case 'POST tenant.test /_sim/waiting-requests': return json(201, { ...(body as object), requestStatus: 'WaitingForCallback' });
      case 'POST tenant.test /_sim/tokens/relay': return json(200, { access_token: RELAY_TOKEN, token_type: 'Bearer' });
      case 'POST intake.test /api/tap-requests': {
        const answer = intakeAnswer(body);
        return json(answer.status, answer.body, answer.type);
      }
      default: return json(404, { error: { code: 'NotFound', message: 'no such endpoint' } });
    }
  };
  return { calls, fetch };
}

type Step = (ledger: Ledger, at: Date) => Promise<unknown>;

const deliveredStory: Step[] = [
  () => Promise.resolve(), // the worker has not picked it up yet
  async (l, at) => l.recordReceived({ requestId: IDS.requestId, targetId: ALICE.id, requestorId: BEN.id, referenceId: 'TL-0E60F18C', at }),
  async (l, at) => l.transition(IDS.requestId, 'issuing', {}, at),
  async (l, at) => {
    await l.transition(IDS.requestId, 'issued', { tapId: '5f1d7a3e-9a57-4d8c-8f6b-8c6b1b0f2a11' }, at);
    await l.appendAudit({ requestId: IDS.requestId, actor: 'worker', action: 'tap.issued', at });
  },
  async (l, at) => l.transition(IDS.requestId, 'delivered', { channel: 'sms' }, at),
  async (l, at) => l.appendAudit({ requestId: IDS.requestId, actor: 'notifier', action: 'delivery.sent', detail: { channel: 'sms' }, at }),
];

let dir: string;
let ledger: Ledger;
let clock: number;

/** Each poll's sleep advances the fake clock and plays the worker's next step. */
function worker(story: Step[]): Pick<CliDeps, 'sleep' | 'now' | 'openLedger' | 'pollMs'> {
  let next = 0;
  return {
    pollMs: 200,
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
      const step = story[next++];
      if (step) await step(ledger, new Date(clock));
    },
    openLedger: () => Promise.resolve(ledger),
  };
}

const simulate = (args: string[], deps: Partial<CliDeps>) =>
  run(['simulate', '--requestor', 'ben.okafor', '--target', 'alice.novak@contoso.onmicrosoft.com', ...args], { cwd: dir, newIds: () => IDS, ...deps });

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-simulate-'));
  await writeFile(path.join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  await mkdir(path.join(dir, '.local'));
  await writeFile(path.join(dir, '.local', 'stack.json'), JSON.stringify({
    intake: { url: 'http://intake.test' },
    tenant: { url: 'http://tenant.test', tenantId: '2e731c1f-6c7c-448e-98e2-8104a6efdbd6' },
    tables: { connectionString: 'UseDevelopmentStorage=true' },
  }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  ledger = createMemoryLedger();
  clock = Date.parse('2026-03-02T09:00:00.000Z');
});

describe('tapctl simulate', () => {
  it('registers the request as waiting, then posts the call-out Entra would send, with the relay token', async () => {
    const stack = fakeStack();
    const result = await simulate([], { fetch: stack.fetch, openLedger: () => Promise.reject(new Error('no ledger without --wait')) });
    expect(result.code).toBe(0);
    expect(stack.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /_sim/users', 'POST /_sim/waiting-requests', 'POST /_sim/tokens/relay', 'POST /api/tap-requests',
    ]);
    const [, waiting, , post] = stack.calls;
    expect(waiting?.body).toEqual({ id: IDS.requestId, stage: 'assignmentRequestApproved', customExtensionStageInstanceId: IDS.stageInstanceId });
    expect(post?.headers.get('authorization')).toBe(`Bearer ${RELAY_TOKEN}`);
    expect(post?.headers.get('content-type')).toBe('application/json');
    expect(decodeExtensionEvent(post?.body)).toMatchObject({
      ok: true,
      event: { kind: 'assignmentRequest', requestType: 'onBehalfAdd', requestId: IDS.requestId, requestor: { objectId: BEN.id }, target: { objectId: ALICE.id } },
    });
    expect(result.stdout.split('\n')).toEqual([
      `requestor  Ben Okafor (${BEN.id})`,
      `target     Alice Novak (${ALICE.id})`,
      `request    ${IDS.requestId} (TL-0E60F18C), assignmentRequestApproved, onBehalfAdd`,
      'intake     202 accepted',
      '',
    ]);
    expect(result.stdout + result.stderr).not.toContain(RELAY_TOKEN);
  });

  it('with --wait --json, streams the timeline to stderr and prints the outcome as the only stdout line', async () => {
    const stack = fakeStack();
    const result = await simulate(['--wait', '--json'], { fetch: stack.fetch, ...worker(deliveredStory) });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${JSON.stringify({ requestId: IDS.requestId, status: 'delivered', reasons: [] })}\n`);
    const events = result.stderr.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.split(/\s{2,}/)[2]);
    expect(events).toEqual(['received', 'issuing', 'issued', 'tap.issued', 'delivered', 'delivery.sent']);
    expect(result.stderr).toContain('outcome    delivered');
    expect(result.stderr).not.toContain(RELAY_TOKEN);
  });

  it('reports a denial with its reasons (exit 0: the request came to rest)', async () => {
    const stack = fakeStack();
    const story: Step[] = [
      async (l, at) => l.recordReceived({ requestId: IDS.requestId, targetId: ALICE.id, requestorId: BEN.id, referenceId: 'TL-0E60F18C', at }),
      async (l, at) => l.transition(IDS.requestId, 'denied', { reasons: ['TargetPrivilegedRole'] }, at),
    ];
    const result = await simulate(['--wait', '--json'], { fetch: stack.fetch, ...worker(story) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ requestId: IDS.requestId, status: 'denied', reasons: ['TargetPrivilegedRole'] });
    expect(result.stderr).toContain('outcome    denied (TargetPrivilegedRole)');
  });

  it('keeps polling through a ledger outage', async () => {
    const stack = fakeStack();
    const w = worker(deliveredStory);
    let failures = 3;
    const flaky: LedgerReader = {
      getRequest: (id) => (failures-- > 0 ? Promise.reject(new RetryableError('ledger unavailable (read request: no status ECONNREFUSED)')) : ledger.getRequest(id)),
      listAudit: (q) => ledger.listAudit(q),
    };
    const result = await simulate(['--wait', '--json'], { fetch: stack.fetch, ...w, openLedger: () => Promise.resolve(flaky) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'delivered' });
  });

  it('times out with exit 3, the last known status and a reason', async () => {
    const stack = fakeStack();
    const never = await simulate(['--wait', '--json', '--timeout', '2'], { fetch: stack.fetch, ...worker([]) });
    expect(never.code).toBe(3);
    expect(JSON.parse(never.stdout)).toEqual({ requestId: IDS.requestId, status: 'accepted', reasons: [] });
    expect(never.stderr).toContain('tapctl: warning: timed out after 2 s: the worker has not recorded it yet');

    ledger = createMemoryLedger();
    const stuck = await simulate(['--wait', '--timeout', '1'], { fetch: fakeStack().fetch, ...worker(deliveredStory.slice(0, 3)) });
    expect(stuck.code).toBe(3);
    expect(stuck.stderr).toContain('timed out after 1 s: still issuing');
  });

  it('prints the intake\'s problem document title and detail when it refuses', async () => {
    const stack = fakeStack(() => ({
      status: 401,
      type: 'application/problem+json',
      body: { type: 'urn:tapline:problem:unauthorized', title: 'Unauthorized', status: 401, detail: 'A valid bearer token from an allowed caller is required.' },
    }));
    const result = await simulate([], { fetch: stack.fetch });
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('intake     202');
    expect(result.stderr).toBe('tapctl: the intake refused the call-out (401): Unauthorized: A valid bearer token from an allowed caller is required.\n');
    // In JSON mode stdout stays empty: progress and the error both go to stderr.
    const json = await simulate(['--json'], { fetch: stack.fetch });
    expect(json).toMatchObject({ code: 1, stdout: '' });
    expect(json.stderr.trimEnd().split('\n').at(-1)).toBe(result.stderr.trimEnd());
  });

  it('follows nothing when the intake ignores the stage', async () => {
    const stack = fakeStack(() => ({ status: 202, body: { requestId: IDS.requestId, status: 'ignored' } }));
    const result = await simulate(['--stage', 'assignmentRequestCreated', '--wait', '--json'], { fetch: stack.fetch, openLedger: () => Promise.reject(new Error('must not open')) });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ requestId: IDS.requestId, status: 'ignored', reasons: [] });
    expect(result.stderr).toContain('nothing to follow');
    expect((stack.calls[1]?.body as { stage: string }).stage).toBe('assignmentRequestCreated');
  });

  it('refuses a user the tenant does not know by name, and sends an unknown object id with a warning', async () => {
    const stack = fakeStack();
    const byName = await run(['simulate', '--requestor', 'nobody', '--target', 'alice.novak'], { cwd: dir, fetch: stack.fetch });
    expect(byName.code).toBe(1);
    expect(byName.stderr).toBe('tapctl: no requestor "nobody" in the simulated tenant: give an object id, a UPN or its local part (e.g. ben.okafor)\n');
    expect(isOneReadableLine(byName.stderr)).toBe(true);
    expect(stack.calls.some((c) => c.path === '/api/tap-requests')).toBe(false);

    const ghost = 'ffffffff-1111-4222-8333-444444444444';
    const byId = await run(['simulate', '--requestor', BEN.id.toUpperCase(), '--target', ghost], { cwd: dir, fetch: stack.fetch, newIds: () => IDS });
    expect(byId.code).toBe(0);
    expect(byId.stderr).toBe(`tapctl: warning: target ${ghost} is not in the simulated directory; sending it anyway\n`);
    const post = stack.calls.filter((c) => c.path === '/api/tap-requests').at(-1);
    expect(decodeExtensionEvent(post?.body)).toMatchObject({ ok: true, event: { requestor: { objectId: BEN.id, displayName: 'Ben Okafor' }, target: { objectId: ghost } } });
  });
});
