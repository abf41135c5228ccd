// The on-call half of tapctl over the real processes of the local stack: dead letters made by the
// real worker and notifier (Graph refusing TAP creation, a TAP that expired before delivery),
// listed, shown, replayed, re-issued and purged with the real bin, as an operator would. Then a
// secret scan over everything tapctl printed.
import type { AuditEvent, Ledger, RequestRecord } from '@tapline/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from './support/ledger.js';
import { phoneForms } from './support/secret-scan.js';
import { acsSim, tenantSim } from './support/simulators.js';
import type { AcsSim, TenantSim } from './support/simulators.js';
import { submitter } from './support/submit.js';
import type { Submitted, Submitter } from './support/submit.js';
import { tapctl } from './support/tapctl.js';
import type { Tapctl } from './support/tapctl.js';
import { sentTaps } from './support/taps.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { ELIGIBLE_PAIRS, HIGH_VOLUME_OVERRIDES } from './support/volume.js';
import { waitFor } from './support/wait.js';

/** 20 manager -> report pairs, 20 distinct targets. */
const PAIRS = ELIGIBLE_PAIRS;
const TAP_CREATE = 'POST /v1.0/users/*/authentication/temporaryAccessPassMethods';
const OPERATOR = 'oncall.tester';

interface ListDoc { deadLetters: { queue: string; sequenceNumber: number; deadLetteredAt: string; reason: string; description: string; requestId: string | null; referenceId: string | null; targetId: string | null; deliveryCount: number; status: string | null }[]; count: number }
interface ActionDoc { action: string; dryRun: boolean; operator: string; note: string | null; results: { requestId?: string; outcome: string; detail?: string; messageId?: string }[]; summary: { done: number; skipped: Record<string, number>; failed: number; gone: number; locked: number } }

let stack: TestStack | undefined;

interface TraceSpan {
  readonly traceId: string;
  readonly name: string;
  readonly links?: { traceId: string; attributes: Record<string, unknown> }[];
  readonly children: TraceSpan[];
}
interface TraceDoc { readonly traceIds: string[]; readonly spans: TraceSpan[] }
const spansOf = (nodes: readonly TraceSpan[]): TraceSpan[] => nodes.flatMap((n) => [n, ...spansOf(n.children)]);
let ledger: Ledger;
let tenant: TenantSim;
let acs: AcsSim;
let submit: Submitter;
let cli: Tapctl;

async function setTapLifetime(minutes: number): Promise<void> {
  const res = await fetch(`${stack!.info.tenant.url}/_sim/tap-policy`, {
    method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ defaultLifetimeInMinutes: minutes }),
  });
  expect(res.status).toBe(200);
}

async function deadLetteredCount(queue: string): Promise<number> {
  const res = await fetch(`${stack!.info.serviceBus.adminUrl}/queues/${queue}`);
  return ((await res.json()) as { deadLettered: number }).deadLettered;
}

/** Waits until every request has a ledger row whose status is in `statuses`. */
async function waitForStatuses(ids: readonly string[], statuses: readonly string[], timeoutMs: number, what: string): Promise<RequestRecord[]> {
  return waitFor(async () => {
    const records = await Promise.all(ids.map((id) => ledger.getRequest(id)));
    return records.every((r) => r !== null && statuses.includes(r.status)) ? (records as RequestRecord[]) : undefined;
  }, { timeoutMs, intervalMs: 500, what });
}

async function submitAll(pairs: readonly (readonly [string, string])[]): Promise<Submitted[]> {
  const submitted: Submitted[] = [];
  for (const [requestor, target] of pairs) submitted.push(await submit.submit(requestor, target));
  return submitted;
}

beforeAll(async () => {
  stack = await startTestStack({
    name: 'oncall',
    overrides: {
      ...HIGH_VOLUME_OVERRIDES,
      // The worker reads the TAP policy's lifetime at once when the test changes it.
      GRAPH_POLICY_TTL_MS: '200',
      // A TAP of 60 minutes is already "expired" to the notifier; one of 120 is not (see the TapExpired test).
      NOTIFIER_EXPIRY_MARGIN_MS: '3600000',
    },
  });
  ledger = await openLedger(stack.info.tables.connectionString);
  tenant = tenantSim(stack.info.tenant.url);
  acs = acsSim(stack.info.acs.url);
  submit = submitter(stack.info.intake.url, tenant, stack.info.tenant.url);
  cli = tapctl(stack.stackFile, OPERATOR);
  await setTapLifetime(120);
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

describe('tapctl on call, over the local stack', () => {
  let forbidden: Submitted[] = [];

  it('lists 20 GraphForbidden dead letters with their columns, replays them once the grant is fixed, and a second replay finds nothing', async () => {
    const fault = await tenant.addFault({ route: TAP_CREATE, status: 403 });
    forbidden = await submitAll(PAIRS);
    await waitForStatuses(forbidden.map((s) => s.requestId), ['failed'], 90_000, '20 requests to fail with GraphForbidden');

    const { run: listRun, doc: list } = await cli.json<ListDoc>(['dlq', 'list', '--reason', 'GraphForbidden']);
    expect(listRun.code).toBe(0);
    expect(list.deadLetters).toHaveLength(20);
    const byRequest = new Map(forbidden.map((s) => [s.requestId, s]));
    for (const row of list.deadLetters) {
      const sent = byRequest.get(row.requestId!)!;
      expect(sent).toBeDefined();
      expect(row).toMatchObject({ queue: 'requests', reason: 'GraphForbidden', status: 'failed', targetId: sent.targetId, deliveryCount: 0 });
      expect(row.referenceId).toBe(`TL-${row.requestId!.slice(0, 8).toUpperCase()}`);
      expect(row.sequenceNumber).toBeGreaterThan(0);
      expect(Date.parse(row.deadLetteredAt)).toBeGreaterThan(Date.now() - 300_000);
      expect(row.description).toMatch(/403|Forbidden/i);
    }
    const table = await cli.run(['dlq', 'list', '--reason', 'GraphForbidden', '--queue', 'requests']);
    expect(table.stdout.split('\n')[0]).toMatch(/^QUEUE\s+SEQ\s+DEAD-LETTERED AT\s+REASON\s+DESCRIPTION\s+REQUEST\s+REFERENCE\s+TARGET\s+DELIVERIES\s+STATUS/);
    expect(table.stdout.trim().split('\n')).toHaveLength(21);

    const first = forbidden[0]!;
    const show = await cli.run(['dlq', 'show', first.requestId]);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('GraphForbidden');
    expect(show.stdout).toContain(`TL-${first.requestId.slice(0, 8).toUpperCase()}`);
    const queues = await cli.json<{ queues: { queue: string; deadLettered: number; oldestDeadLetteredAgeSeconds: number | null }[] }>(['queues']);
    expect(queues.doc.queues.find((q) => q.queue === 'tap-requests')).toMatchObject({ deadLettered: 20 });
    expect(queues.doc.queues.find((q) => q.queue === 'tap-requests')!.oldestDeadLetteredAgeSeconds).not.toBeNull();
    await cli.run(['queues']);

    // The dry run changes nothing.
    const dry = await cli.json<ActionDoc>(['dlq', 'replay', '--reason', 'GraphForbidden', '--dry-run']);
    expect(dry.doc.summary.done).toBe(20);
    expect(await deadLetteredCount('tap-requests')).toBe(20);

    await tenant.removeFault(fault.id);
    const replay = await cli.json<ActionDoc>(['dlq', 'replay', '--reason', 'GraphForbidden', '--yes', '--rate', '50', '--note', 'granted the worker its TAP role']);
    expect(replay.run.code).toBe(0);
    expect(replay.doc.summary).toMatchObject({ done: 20, failed: 0 });
    expect(replay.doc.results.every((r) => r.outcome === 'replayed' && r.messageId!.endsWith(':replay:1'))).toBe(true);
    await waitForStatuses(forbidden.map((s) => s.requestId), ['delivered'], 90_000, 'the 20 replayed requests to be delivered');

    const again = await cli.json<ActionDoc>(['dlq', 'replay', '--reason', 'GraphForbidden', '--yes']);
    expect(again.run.code).toBe(0);
    expect(again.doc.results).toEqual([]);
    expect(await deadLetteredCount('tap-requests')).toBe(0);

    // No target received two TAPs: one TAP message per target, and it is the target's current TAP.
    const taps = sentTaps(await acs.outbox());
    expect(taps).toHaveLength(20);
    expect(new Set(taps.map((t) => t.entry.to)).size).toBe(20);
    for (const s of forbidden) {
      const current = await tenant.currentTap(s.targetId);
      expect(taps.filter((t) => t.sha256 === current!.sha256)).toHaveLength(1);
      const trail = await ledger.listAudit({ requestId: s.requestId });
      const replayed = trail.filter((e) => e.action === 'dlq.replayed');
      expect(replayed).toHaveLength(1);
      expect(replayed[0]).toMatchObject({ actor: OPERATOR, detail: { outcome: 'replayed', note: 'granted the worker its TAP role', deadLetterReason: 'GraphForbidden' } });
    }
  }, 300_000);

  it('skips a TapExpired delivery with "use reissue", then reissues it: a new TAP is delivered and the expired one is never sent', async () => {
    await setTapLifetime(60); // within the notifier's 60-minute margin: expired on arrival
    const [request] = await submitAll([['ben.okafor', 'alice.novak']]);
    const id = request!.requestId;
    const [dead] = await waitForStatuses([id], ['dead-lettered'], 60_000, 'the delivery to be dead-lettered TapExpired');
    expect(dead!.reasons).toEqual(['TapExpired']);
    await setTapLifetime(120);
    const before = sentTaps(await acs.outbox());

    const show = await cli.json<{ deadLetters: { kind: string; body: Record<string, unknown> }[] }>(['dlq', 'show', id]);
    expect(show.doc.deadLetters[0]!.kind).toBe('delivery');
    expect(show.doc.deadLetters[0]!.body.sealedSecret).toMatch(/^sealed \(kid [\w.:-]+\)$/);
    expect(show.doc.deadLetters[0]!.body.sealedContacts).toMatch(/^sealed \(kid /);
    const showTable = await cli.run(['dlq', 'show', id]);
    expect(showTable.stdout).toContain('sealed (kid ');

    const replay = await cli.json<ActionDoc>(['dlq', 'replay', id, '--yes']);
    expect(replay.run.code).toBe(0);
    expect(replay.doc.summary.done).toBe(0);
    expect(replay.doc.results[0]).toMatchObject({ outcome: 'skipped' });
    expect(replay.doc.results[0]!.detail).toMatch(/^use reissue/);
    expect(await deadLetteredCount('tap-deliveries')).toBe(1);

    const reissue = await cli.json<ActionDoc>(['dlq', 'reissue', id, '--note', 'expired before the user picked it up']);
    expect(reissue.run.code).toBe(0);
    expect(reissue.doc.summary.done).toBe(1);
    await waitForStatuses([id], ['delivered'], 60_000, 'the re-issued request to be delivered');
    expect(await deadLetteredCount('tap-deliveries')).toBe(0);

    // The re-issue is new work: a new trace, whose first span links to the trace it re-issues.
    const link = await waitFor(async () => {
      const { doc } = await cli.json<TraceDoc>(['trace', id]);
      const links = spansOf(doc.spans).flatMap((s) => (s.links ?? []).filter((l) => l.attributes['tap.link'] === 'reissue_of').map((l) => ({ from: s.traceId, to: l.traceId, span: s.name })));
      return links.length > 0 ? { links, traceIds: doc.traceIds } : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'the re-issued trace and its link to reach the telemetry stand-in' });
    expect(link.links).toEqual([{ from: expect.any(String) as unknown, to: link.traceIds[0], span: 'process tap-requests' }]);
    expect(link.links[0]!.from).not.toBe(link.links[0]!.to);
    expect(link.traceIds).toContain(link.links[0]!.from);

    const after = sentTaps(await acs.outbox());
    const added = after.filter((t) => !before.some((b) => b.entry.seq === t.entry.seq));
    expect(added).toHaveLength(1);
    expect(added[0]!.sha256).toBe((await tenant.currentTap(request!.targetId))!.sha256);
    const trail = await ledger.listAudit({ requestId: id });
    expect(trail.filter((e) => e.action === 'dlq.reissued')).toEqual([
      expect.objectContaining({ actor: OPERATOR, detail: expect.objectContaining({ outcome: 'reissued', note: 'expired before the user picked it up' }) as unknown }),
    ]);
  }, 180_000);

  it('replays a dead-lettered delivery whose TAP is still current: its request goes back to issued and that TAP is sent once', async () => {
    // Both channels refused as a whole: the notifier dead-letters the delivery NoDeliverableContact.
    await acs.addFault({ route: 'POST /sms*', status: 401 });
    await acs.addFault({ route: 'POST /emails*', status: 401 });
    const [request] = await submitAll([['oscar.reyes', 'quinn.foster']]);
    const id = request!.requestId;
    const [failed] = await waitForStatuses([id], ['failed'], 60_000, 'the delivery to be dead-lettered NoDeliverableContact');
    expect(failed!.reasons).toEqual(['NoDeliverableContact']);
    await acs.clearFaults();
    const before = sentTaps(await acs.outbox());

    const replay = await cli.json<ActionDoc>(['dlq', 'replay', `deliveries:${(await cli.json<ListDoc>(['dlq', 'list', '--request', id])).doc.deadLetters[0]!.sequenceNumber}`, '--note', 'ACS sender domain linked again']);
    expect(replay.run.code).toBe(0);
    expect(replay.doc.summary.done).toBe(1);
    await waitForStatuses([id], ['delivered'], 60_000, 'the replayed delivery to be sent');
    const added = sentTaps(await acs.outbox()).filter((t) => !before.some((b) => b.entry.seq === t.entry.seq));
    expect(added).toHaveLength(1);
    expect(added[0]!.sha256).toBe((await tenant.currentTap(request!.targetId))!.sha256);
    const record = await ledger.getRequest(id);
    expect(record!.timeline.map((t) => t.status)).toEqual(expect.arrayContaining(['failed', 'issued', 'delivered']));
  }, 180_000);

  it('survives SIGKILL in the middle of replaying 200 dead letters: the re-run finishes, none is replayed twice, none is lost', async () => {
    const fault = await tenant.addFault({ route: TAP_CREATE, status: 403 });
    const pairs = Array.from({ length: 200 }, (_, i) => PAIRS[i % PAIRS.length]!);
    const submitted = await submitAll(pairs);
    const ids = submitted.map((s) => s.requestId);
    await waitForStatuses(ids, ['failed'], 150_000, '200 requests to fail with GraphForbidden');
    expect(await deadLetteredCount('tap-requests')).toBe(200);
    await tenant.removeFault(fault.id);

    const first = cli.start(['dlq', 'replay', '--reason', 'GraphForbidden', '--yes', '--rate', '20', '--note', 'grant fixed']);
    await waitFor(async () => ((await deadLetteredCount('tap-requests')) <= 150 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100, what: 'the first replay to get going' });
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.code).toBeNull();
    expect(await deadLetteredCount('tap-requests')).toBeGreaterThan(0);

    // Messages the killed run held locked come back when their lock (PT1M) ends; the re-run waits for them.
    const rerun = await cli.json<ActionDoc>(['dlq', 'replay', '--reason', 'GraphForbidden', '--yes', '--rate', '100', '--note', 'grant fixed, re-run'], 240_000);
    expect(rerun.run.code).toBe(0);
    expect(rerun.doc.summary.failed).toBe(0);
    expect(await deadLetteredCount('tap-requests')).toBe(0);

    const records = await waitForStatuses(ids, ['delivered', 'superseded'], 180_000, 'all 200 replayed requests to reach a terminal status');
    for (const record of records) {
      // The worker started each one over exactly once: a second copy would be a second "replay" step.
      expect(record.timeline.filter((t) => t.status === 'received' && t.note === 'replay')).toHaveLength(1);
    }
    expect(records.filter((r) => r.status === 'delivered').length).toBeGreaterThanOrEqual(20);
  }, 600_000);

  it('purges only with a selection and a note, asks before purging more than one, and the audit trail holds who and why', async () => {
    const none = await cli.run(['dlq', 'purge', '--note', 'cleanup']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/purge needs a selection/);
    const noNote = await cli.run(['dlq', 'purge', '--all']);
    expect(noNote.code).toBe(2);

    const fault = await tenant.addFault({ route: TAP_CREATE, status: 403 });
    const three = await submitAll(PAIRS.slice(0, 3));
    await waitForStatuses(three.map((s) => s.requestId), ['failed'], 60_000, 'three requests to fail');
    await tenant.removeFault(fault.id);

    const one = await cli.json<ActionDoc>(['dlq', 'purge', three[0]!.requestId, '--note', 'test request, not a real user']);
    expect(one.run.code).toBe(0);
    expect(one.doc.summary.done).toBe(1);
    expect(await deadLetteredCount('tap-requests')).toBe(2);

    const unconfirmed = await cli.run(['dlq', 'purge', '--reason', 'GraphForbidden', '--note', 'drill']);
    expect(unconfirmed.code).toBe(5);
    expect(unconfirmed.stderr).toMatch(/add --yes/);
    expect(await deadLetteredCount('tap-requests')).toBe(2);

    const rest = await cli.json<ActionDoc>(['dlq', 'purge', '--reason', 'GraphForbidden', '--note', 'drill over', '--yes']);
    expect(rest.doc.summary.done).toBe(2);
    expect(await deadLetteredCount('tap-requests')).toBe(0);

    for (const s of three) {
      const purged = (await ledger.listAudit({ requestId: s.requestId })).filter((e) => e.action === 'dlq.purged');
      expect(purged).toHaveLength(1);
      expect(purged[0]!.actor).toBe(OPERATOR);
      expect(purged[0]!.detail.note).toMatch(/test request|drill over/);
    }
    // Every operator action of this file, run-level events included, names who and why.
    const operatorEvents = (await ledger.listAudit({ since: new Date(Date.now() - 3_600_000), limit: 5000 })).filter((e: AuditEvent) => e.action.startsWith('dlq.'));
    expect(operatorEvents.length).toBeGreaterThan(0);
    for (const e of operatorEvents) {
      expect(e.actor).toBe(OPERATOR);
      expect(typeof e.detail.note).toBe('string');
    }
    const status = await cli.run(['status', three[0]!.requestId]);
    expect(status.stdout).toMatch(/dlq\.purged\s+by oncall\.tester .*note=test request, not a real user/);
  }, 180_000);

  it('printed no TAP, phone number or email address in any tapctl output, table or JSON', async () => {
    const taps = sentTaps(await acs.outbox());
    expect(taps.length).toBeGreaterThan(0);
    const targets = await Promise.all(PAIRS.map(([, target]) => tenant.user(target)));
    const contacts = await Promise.all(targets.map((u) => tenant.contacts(u.id)));
    const needles = [
      ...taps.map((t) => t.secret),
      ...contacts.flatMap((c) => c.phones.flatMap((p) => phoneForms(p))),
      ...contacts.flatMap((c) => (c.mail === null ? [] : [c.mail])),
    ];
    expect(cli.runs.length).toBeGreaterThan(15);
    expect(cli.runs.some((r) => r.args.includes('--json'))).toBe(true);
    expect(cli.runs.some((r) => !r.args.includes('--json'))).toBe(true);
    const leaks = cli.runs.flatMap((r) => needles.filter((n) => `${r.stdout}\n${r.stderr}`.includes(n)).map(() => r.args.slice(0, 3).join(' ')));
    expect(leaks).toEqual([]);
  });
});
