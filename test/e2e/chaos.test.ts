// Chaos over the whole stack: 300 requests for the demo org's eligible reports and managers (some
// targets asked for again and again, so TAPs replace each other and deliveries are superseded),
// submitted over a bounded time while the worker and the notifier are killed with SIGKILL at
// random moments and restarted by the supervisor. Afterwards, DESIGN section 4's invariant:
// every request came to rest, none was lost, each user's last message carries the TAP Graph holds
// for them now, no request sent two different TAPs, and the ledger agrees with Graph.
import { isAtRest } from '@tapline/domain';
import type { AuditEvent, Ledger, RequestRecord } from '@tapline/ledger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAt, seededRandom } from './support/chaos.js';
import type { Kill } from './support/chaos.js';
import { openLedger } from './support/ledger.js';
import { scanForSecrets } from './support/secret-scan.js';
import { acsSim, e164, tenantSim } from './support/simulators.js';
import type { SimUser } from './support/simulators.js';
import { submitter } from './support/submit.js';
import type { Submitted } from './support/submit.js';
import { sentTaps } from './support/taps.js';
import type { SentTap } from './support/taps.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { ELIGIBLE_PAIRS, HIGH_VOLUME_OVERRIDES } from './support/volume.js';
import { WaitTimeout, sleep, waitFor } from './support/wait.js';

const TOTAL = 300;
const PAIRS = ELIGIBLE_PAIRS;
/** Asked for far more often than the rest: many TAPs replace each other on these. */
const HOT = new Set(['alice.novak', 'bob.lindqvist', 'quinn.foster', 'ben.okafor']);

const SEED = Number(process.env.TAPLINE_CHAOS_SEED ?? Math.floor(Math.random() * 1e9));
const SUBMIT_INTERVAL_MS = 80;
const SUBMIT_DEADLINE_MS = 90_000;
/** SIGKILLs per service, at random moments of the first KILL_WINDOW_MS of the submissions. */
const KILLS_PER_SERVICE = 3;
const KILL_WINDOW_MS = 20_000;
/** Messages a killed process held stay locked for the queue's lock duration (PT1M) before redelivery. */
const SETTLE_DEADLINE_MS = 150_000;

let stack: TestStack | undefined;
let ledger: Ledger;

beforeAll(async () => {
  stack = await startTestStack({
    name: 'chaos',
    overrides: { ...HIGH_VOLUME_OVERRIDES },
  });
  ledger = await openLedger(stack.info.tables.connectionString);
}, 180_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

/** Distinct random moments in [1 s, window), at least `gap` apart. */
function killMoments(random: () => number, count: number, window: number, gap: number): number[] {
  const moments: number[] = [];
  for (let tries = 0; moments.length < count && tries < 1000; tries++) {
    const t = 1_000 + Math.floor(random() * (window - 1_000));
    if (moments.every((m) => Math.abs(m - t) >= gap)) moments.push(t);
  }
  return moments.sort((a, b) => a - b);
}

async function submitPaced(plan: readonly (readonly [string, string])[], submit: (r: string, t: string) => Promise<Submitted>): Promise<Submitted[]> {
  const done: Submitted[] = [];
  const start = Date.now();
  let next = 0;
  const lane = async () => {
    while (next < plan.length) {
      const i = next++;
      const due = start + i * SUBMIT_INTERVAL_MS - Date.now();
      if (due > 0) await sleep(due);
      if (Date.now() - start > SUBMIT_DEADLINE_MS) throw new Error(`submitting ${plan.length} requests took over ${SUBMIT_DEADLINE_MS} ms`);
      const [requestor, target] = plan[i]!;
      done.push(await submit(requestor, target));
    }
  };
  await Promise.all(Array.from({ length: 6 }, lane));
  return done;
}

/** Every submitted request at rest in the ledger, or a timeout that says which are not. */
async function settled(ids: ReadonlySet<string>): Promise<RequestRecord[]> {
  let last: RequestRecord[] = [];
  try {
    return await waitFor(async () => {
      last = (await ledger.listRequests({ limit: 5_000 })).filter((r) => ids.has(r.requestId));
      return last.length === ids.size && last.every((r) => isAtRest(r.status)) ? last : undefined;
    }, { timeoutMs: SETTLE_DEADLINE_MS, intervalMs: 1_000, what: `all ${ids.size} requests to come to rest` });
  } catch (err) {
    if (!(err instanceof WaitTimeout)) throw err;
    const counts = new Map<string, number>();
    for (const r of last) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const missing = ids.size - last.length;
    throw new Error(`${err.message}; statuses ${JSON.stringify(Object.fromEntries(counts))}, ${missing} not in the ledger (seed ${SEED})`);
  }
}

describe(`chaos: ${TOTAL} requests while the worker and the notifier are SIGKILLed (seed ${SEED})`, () => {
  it('every request comes to rest, none is lost, and only current TAPs reach users', async () => {
    const info = stack!.info;
    const tenant = tenantSim(info.tenant.url);
    const acs = acsSim(info.acs.url);
    const submit = submitter(info.intake.url, tenant, info.tenant.url);
    const random = seededRandom(SEED);

    const hot = PAIRS.filter(([, target]) => HOT.has(target));
    const plan = Array.from({ length: TOTAL }, () => {
      const from = random() < 0.4 ? hot : PAIRS;
      return from[Math.floor(random() * from.length)]!;
    });

    const start = Date.now();
    const chaos = Promise.all(['worker', 'notifier'].map((name) =>
      killAt(stack!, name, start, killMoments(random, KILLS_PER_SERVICE, KILL_WINDOW_MS, 4_000), 60_000)));
    const submitted = await submitPaced(plan, (r, t) => submit.submit(r, t));
    const kills: Kill[] = (await chaos).flat();
    const submittedMs = Date.now() - start;
    expect(kills.filter((k) => k.name === 'worker')).toHaveLength(KILLS_PER_SERVICE);
    expect(kills.filter((k) => k.name === 'notifier')).toHaveLength(KILLS_PER_SERVICE);

    // None lost: every accepted request is in the ledger, at rest.
    const ids = new Set(submitted.map((s) => s.requestId));
    expect(ids.size).toBe(TOTAL);
    const records = await settled(ids);
    const settledMs = Date.now() - start;
    const byStatus: Record<string, number> = {};
    for (const r of records) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
    console.info(`chaos seed ${SEED}: ${TOTAL} submitted in ${submittedMs} ms, all at rest after ${settledMs} ms; ${JSON.stringify(byStatus)}; kills ${
      kills.map((k) => `${k.name}@${(k.atMs / 1000).toFixed(1)}s(restart ${k.restartMs} ms)`).join(', ')}`);
    // Every pair is eligible: a request ends delivered, or superseded by a newer TAP for its target.
    expect(Object.keys(byStatus).filter((s) => s !== 'delivered' && s !== 'superseded'), JSON.stringify(byStatus)).toEqual([]);

    // Who got what: outbox TAP messages by recipient, and by request through the notifier's audit.
    const targetNicks = [...new Set(plan.map(([, t]) => t))];
    const targets = await Promise.all(targetNicks.map((n) => tenant.user(n)));
    const contacts = new Map(await Promise.all(targets.map(async (u) => [u.id, await tenant.contacts(u.id)] as const)));
    const recipientOf = (to: string): SimUser | undefined => targets.find((u) => {
      const c = contacts.get(u.id)!;
      return c.phones.map(e164).includes(to) || c.mail?.toLowerCase() === to.toLowerCase();
    });
    // Settled in the ledger does not mean every follow-up is done; the TAP sends are, by then.
    const taps: SentTap[] = sentTaps(await acs.outbox());
    const audit: AuditEvent[] = await ledger.listAudit({});
    const requestOfMessage = new Map<string, string>();
    for (const e of audit) {
      if (e.action === 'delivery.sent' && e.requestId !== undefined && typeof e.detail.providerMessageId === 'string') {
        requestOfMessage.set(e.detail.providerMessageId, e.requestId);
      }
    }
    // The request row names the provider message that delivered it too: a notifier killed between
    // recording `delivered` and appending `delivery.sent` leaves only that.
    for (const r of records) if (r.providerMessageId !== undefined && !requestOfMessage.has(r.providerMessageId)) requestOfMessage.set(r.providerMessageId, r.requestId);
    const recordOf = new Map(records.map((r) => [r.requestId, r]));

    // 1. Each user's last message carries the TAP Graph holds for them now, and the ledger's
    //    current TAP is that TAP, delivered by a request of this run.
    for (const user of targets) {
      const current = await tenant.currentTap(user.id);
      expect(current, `${user.userPrincipalName} has a TAP`).not.toBeNull();
      const mine = taps.filter((t) => recipientOf(t.entry.to)?.id === user.id).sort((a, b) => a.entry.seq - b.entry.seq);
      expect(mine.length, `${user.userPrincipalName} got a TAP`).toBeGreaterThan(0);
      expect(mine.at(-1)!.sha256, `${user.userPrincipalName}'s last message carries the current TAP`).toBe(current!.sha256);
      expect((await ledger.getTarget(user.id))?.currentTapId, `ledger's current TAP of ${user.userPrincipalName}`).toBe(current!.id);
      const owner = records.find((r) => r.tapId === current!.id);
      expect(owner?.status, `the request that issued ${user.userPrincipalName}'s current TAP`).toBe('delivered');
      expect(owner?.targetId).toBe(user.id);
    }

    // 2. No request sent two different TAPs, each message went to its request's target, and a
    //    request that says `delivered` has its message in the outbox.
    const secretsOf = new Map<string, Set<string>>();
    let unmapped = 0;
    for (const tap of taps) {
      const requestId = requestOfMessage.get(tap.entry.messageId);
      if (requestId === undefined) {
        unmapped++;
        continue;
      }
      const record = recordOf.get(requestId);
      expect(record, `message ${tap.entry.seq} belongs to a submitted request`).toBeDefined();
      expect(recipientOf(tap.entry.to)?.id, `message ${tap.entry.seq} went to its request's target`).toBe(record!.targetId);
      secretsOf.set(requestId, (secretsOf.get(requestId) ?? new Set()).add(tap.sha256));
    }
    expect([...secretsOf].filter(([, s]) => s.size > 1).map(([id]) => id), 'requests that sent two different TAPs').toEqual([]);
    const delivered = records.filter((r) => r.status === 'delivered');
    expect(delivered.filter((r) => !secretsOf.has(r.requestId)).map((r) => r.requestId), 'delivered requests without a message').toEqual([]);
    // A message with no `delivery.sent` record: the notifier died between ACS's accept and the
    // ledger write, and the redelivery found the TAP superseded. At most one batch per kill.
    console.info(`chaos: ${taps.length} TAP messages in the outbox for ${targets.length} users; ${unmapped} without a delivery.sent record`);
    expect(unmapped).toBeLessThanOrEqual(8 * KILLS_PER_SERVICE);

    // 3. And through all this, no TAP leaked into a log, the ledger or a dead letter.
    const report = await scanForSecrets(info, stack!.dataDir, taps.map((t) => ({ kind: 'tap', value: t.secret })));
    expect(report.findings).toEqual([]);
  }, 330_000);
});
