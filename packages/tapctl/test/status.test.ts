// `tapctl status` against the in-memory ledger, injected through the ledger factory.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryLedger } from '@tapline/ledger';
import type { Ledger } from '@tapline/ledger';
import { DEMO } from '@tapline/tenant-simulator/demo-org';
import type { LedgerReader } from '../src/index.js';
import { isOneReadableLine, run } from './helpers/run.js';

const REQUEST_ID = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';
const TARGET = DEMO.alice.id;
const MANAGER = DEMO.ben.id;
const TAP_ID = '5f1d7a3e-9a57-4d8c-8f6b-8c6b1b0f2a11';
const T0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms);

let dir: string;
let ledger: Ledger;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-status-'));
  await writeFile(path.join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  await mkdir(path.join(dir, '.local'));
  await writeFile(path.join(dir, '.local', 'stack.json'), JSON.stringify({ tables: { connectionString: 'UseDevelopmentStorage=true' } }));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

beforeEach(async () => {
  ledger = createMemoryLedger();
  await ledger.recordReceived({ requestId: REQUEST_ID, targetId: TARGET, requestorId: MANAGER, referenceId: 'TL-0E60F18C', stage: 'assignmentRequestApproved', at: at(0) });
  await ledger.transition(REQUEST_ID, 'issuing', {}, at(40));
  await ledger.transition(REQUEST_ID, 'issued', { tapId: TAP_ID, tapExpiresAt: at(3_600_000) }, at(90));
  await ledger.appendAudit({ requestId: REQUEST_ID, actor: 'worker', action: 'tap.issued', detail: { tapId: TAP_ID }, at: at(91) });
  await ledger.transition(REQUEST_ID, 'delivered', { channel: 'sms', note: 'sent by sms' }, at(150));
  await ledger.appendAudit({ requestId: REQUEST_ID, actor: 'notifier', action: 'delivery.sent', detail: { channel: 'sms' }, at: at(151) });
  // Another request's audit must not show up.
  await ledger.appendAudit({ requestId: '11111111-2222-4333-8444-555555555555', actor: 'worker', action: 'request.denied', at: at(100) });
});

const status = (args: string[], reader: LedgerReader = ledger) => run(['status', ...args], { cwd: dir, openLedger: () => Promise.resolve(reader) });

describe('tapctl status', () => {
  it('prints the request and its timeline, status steps and audit events in time order', async () => {
    const result = await status([REQUEST_ID]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines).toContain('request     0e60f18c-b2a0-4887-9da8-da2e30a39d99 (TL-0E60F18C)');
    expect(lines).toContain('status      delivered (terminal)');
    expect(lines).toContain(`tap id      ${TAP_ID}`);
    expect(lines).toContain('channel     sms');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('TIME')));
    expect(table[0]).toMatch(/^TIME\s+KIND\s+EVENT\s+DETAIL$/);
    const events = table.slice(1).filter((l) => l !== '').map((l) => l.split(/\s{2,}/).slice(0, 3));
    expect(events).toEqual([
      ['2026-03-02T09:00:00.000Z', 'status', 'received'],
      ['2026-03-02T09:00:00.040Z', 'status', 'issuing'],
      ['2026-03-02T09:00:00.090Z', 'status', 'issued'],
      ['2026-03-02T09:00:00.091Z', 'audit', 'tap.issued'],
      ['2026-03-02T09:00:00.150Z', 'status', 'delivered'],
      ['2026-03-02T09:00:00.151Z', 'audit', 'delivery.sent'],
    ]);
    expect(result.stdout).toContain(`by worker tapId=${TAP_ID}`);
    expect(result.stdout).toContain('sent by sms');
  });

  it("says what a request held back by the quarantine's sources waits for (the worker's retry note and audit detail)", async () => {
    const waiting = '22222222-3333-4444-8555-666666666666';
    await ledger.recordReceived({ requestId: waiting, targetId: TARGET, requestorId: MANAGER, referenceId: 'TL-22222222', at: at(0) });
    const why = "waiting for the audit log to cover the directory watch's first round (trusted from 2026-03-02T09:15:00.000Z)";
    await ledger.transition(waiting, 'received', { attempts: 1, lastError: why, note: `${why}; retry in 15 s` }, at(30));
    await ledger.appendAudit({ requestId: waiting, actor: 'worker', action: 'request.retry_scheduled', detail: { attempt: 1, delayMs: 15_000, waitingFor: why.slice('waiting for '.length) }, at: at(31) });
    const result = await status([waiting]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${why}; retry in 15 s`);
    expect(result.stdout).toContain('status      received');
  });

  it('prints one JSON document with --json, audit included', async () => {
    const result = await status([REQUEST_ID, '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(doc).toMatchObject({ requestId: REQUEST_ID, status: 'delivered', reasons: [], request: { tapId: TAP_ID, channel: 'sms' } });
    expect((doc.audit as { action: string }[]).map((a) => a.action)).toEqual(['tap.issued', 'delivery.sent']);
    expect((doc.timeline as { what: string }[]).map((s) => s.what)).toEqual(['received', 'issuing', 'issued', 'tap.issued', 'delivered', 'delivery.sent']);
    // The global option works before the command too.
    const before = await run(['--json', 'status', REQUEST_ID.toUpperCase()], { cwd: dir, openLedger: () => Promise.resolve(ledger) });
    expect(JSON.parse(before.stdout)).toMatchObject({ requestId: REQUEST_ID, status: 'delivered' });
  });

  it('shows denial reasons and whether the request waits for an operator', async () => {
    const denied = '22222222-3333-4444-8555-666666666666';
    await ledger.recordReceived({ requestId: denied, targetId: TARGET, requestorId: MANAGER, referenceId: 'TL-22222222', at: at(0) });
    await ledger.transition(denied, 'denied', { reasons: ['TargetPrivilegedRole', 'TargetCooldown'] }, at(20));
    const failed = '33333333-4444-4555-8666-777777777777';
    await ledger.recordReceived({ requestId: failed, targetId: TARGET, requestorId: MANAGER, referenceId: 'TL-33333333', at: at(0) });
    await ledger.transition(failed, 'failed', { reasons: ['TargetNotFound'], lastError: 'Graph answered 404' }, at(20));

    const d = await status([denied]);
    expect(d.stdout).toContain('status      denied (terminal)');
    expect(d.stdout).toContain('reasons     TargetPrivilegedRole, TargetCooldown');
    const f = await status([failed]);
    expect(f.stdout).toContain('status      failed (at rest: waiting for an operator)');
    expect(f.stdout).toContain('last error  Graph answered 404');
  });

  it('masks anything TAP-, token- or contact-shaped the ledger should never have held', async () => {
    const leaky: LedgerReader = {
      async getRequest(id) {
        const r = await ledger.getRequest(id);
        return r && { ...r, lastError: 'notifier sent Kp7#xQ2m to +1 4255550100', timeline: [...r.timeline, { status: 'delivered', at: r.updatedAt, note: 'mail to alice@contoso.example' }] };
      },
      async listAudit(query) {
        const events = await ledger.listAudit(query);
        return [...events, { id: 'z', requestId: REQUEST_ID, actor: 'notifier', action: 'delivery.sent', at: at(200).toISOString(), detail: { body: 'Your TAP is Kp7#xQ2m', auth: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' } }];
      },
    };
    for (const args of [[REQUEST_ID], [REQUEST_ID, '--json']]) {
      const result = await status(args, leaky);
      expect(result.code).toBe(0);
      for (const secret of ['Kp7#xQ2m', '4255550100', 'alice@contoso.example', 'eyJhbGciOiJSUzI1NiJ9']) expect(result.stdout).not.toContain(secret);
      expect(result.stdout).toContain('[REDACTED:');
    }
  });

  it('says so when the request is not in the ledger', async () => {
    const result = await status(['44444444-5555-4666-8777-888888888888']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe('tapctl: request 44444444-5555-4666-8777-888888888888 is not in the ledger\n');
    expect(isOneReadableLine(result.stderr)).toBe(true);
  });
});
