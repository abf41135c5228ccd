// The demo story (`pnpm demo`) on the whole stack, asserted, then the secret scan of DESIGN
// section 6 over everything that run left behind. One stack for the file: real processes (Service
// Bus emulator, Azurite, both simulators, intake, worker, notifier), free ports, a temporary dir.
// Persistent, so the broker journal and the table files on disk are scanned too.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { TableClient } from '@azure/data-tables';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acsSim, tenantSim } from './support/simulators.js';
import { phoneForms, scanForSecrets } from './support/secret-scan.js';
import type { Needle } from './support/secret-scan.js';
import { sentTaps } from './support/taps.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { playStory } from './story/index.js';
import type { ChapterResult, StoryResult } from './story/index.js';

let stack: TestStack | undefined;
let story: StoryResult;
const narrative: string[] = [];

beforeAll(async () => {
  stack = await startTestStack({ name: 'story', persistent: true });
  story = await playStory(stack.info, { narrate: (line) => narrative.push(line) });
}, 240_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

/** A failed expectation shows the chapter's narrative: what was seen, in order. */
function told(chapter: ChapterResult): string {
  const start = narrative.findIndex((l) => l.startsWith(`(${chapter.letter})`));
  const end = narrative.findIndex((l, i) => i > start && /^\([a-z]\)/.test(l));
  return narrative.slice(start, end === -1 ? undefined : end).join('\n');
}

describe('the demo story', () => {
  it('(a) delivers a TAP by SMS, the current one, and confirms to the manager without it', () => {
    const a = story.byKey.sms;
    expect(a.status, told(a)).toBe('delivered');
    expect(a.channel).toBe('sms');
    expect(a.evidence.tapMessage?.channel).toBe('sms');
    expect(a.evidence.currentTapMatches).toBe(true);
    expect(a.evidence.managerMessage?.body).toContain('by SMS to the number ending 10');
    expect(a.evidence.managerMessage?.body).toContain(a.referenceId);
    expect(a.ok, told(a)).toBe(true);
  });

  it('(b) falls back to email when ACS refuses the SMS, and the confirmation says email', () => {
    const b = story.byKey.emailFallback;
    expect(b.status, told(b)).toBe('delivered');
    expect(b.channel).toBe('email');
    expect(b.evidence.faultHits).toBeGreaterThanOrEqual(1);
    expect(b.evidence.tapMessage?.channel).toBe('email');
    expect(b.evidence.messagesToTarget).toEqual([]);
    expect(b.evidence.currentTapMatches).toBe(true);
    expect(b.evidence.managerMessage?.body).toMatch(/by email to c\*+@contoso\.example/);
    expect(b.evidence.managerMessage?.body).not.toContain('SMS');
    expect(b.ok, told(b)).toBe(true);
  });

  it('(c) denies the escalation attempt with its reason in the ledger, and the notice does not reveal it', () => {
    const c = story.byKey.denied;
    expect(c.status, told(c)).toBe('denied');
    expect(c.reasons).toContain('ManagerRecentlyChanged');
    expect(c.evidence.targetHasTap).toBe(false);
    expect(c.evidence.messagesToTarget).toEqual([]);
    const notice = c.evidence.managerMessage?.body ?? '';
    expect(notice).toContain(c.referenceId);
    expect(notice).not.toContain('ManagerRecentlyChanged');
    expect(notice).not.toMatch(/manager|chang|recent/i);
    expect(c.evidence.resume?.body.data?.state).toBe('denied');
    expect(c.ok, told(c)).toBe(true);
  });

  it('(d) rides out a Graph outage: the request is retried and delivered after recovery', () => {
    const d = story.byKey.graphOutage;
    expect(d.status, told(d)).toBe('delivered');
    expect(d.channel).toBe('sms');
    expect(d.evidence.faultHits).toBeGreaterThanOrEqual(3);
    expect(d.evidence.outageMs).toBeGreaterThanOrEqual(3_000);
    expect(d.evidence.restedAfterOutageMs).toBeGreaterThanOrEqual(0);
    expect(d.evidence.currentTapMatches).toBe(true);
    expect(d.ok, told(d)).toBe(true);
  });

  it('(e) dead-letters a report with no contact, with its reason and nothing secret in the description', () => {
    const e = story.byKey.deadLettered;
    expect(e.status, told(e)).toBe('failed');
    expect(e.reasons).toEqual(['NoDeliverableContact']);
    expect(e.evidence.deadLetter?.reason).toBe('NoDeliverableContact');
    expect(e.evidence.deadLetter?.description).toMatch(/no SMS-capable phone method and no mail/);
    expect(e.evidence.targetHasTap).toBe(false);
    expect(e.ok, told(e)).toBe(true);
  });

  it('the whole story is as expected', () => {
    expect(story.chapters.filter((c) => !c.ok).map((c) => `(${c.letter}) ${c.title}`), narrative.join('\n')).toEqual([]);
  });
});

describe('secret scan of the story run', () => {
  it('every TAP issued appears in the ACS outbox and nowhere else (no log, ledger row, dead letter, stack file); no target contact either', async () => {
    const info = stack!.info;
    const tenant = tenantSim(info.tenant.url);
    const outbox = await acsSim(info.acs.url).outbox();
    const taps = sentTaps(outbox);
    // (a), (b) and (d) each sent one TAP; nothing else did.
    expect(taps.map((t) => t.entry.channel).sort()).toEqual(['email', 'sms', 'sms']);

    // Each is the TAP Graph holds for its recipient right now (the story issued one per target).
    const targets = await Promise.all(['alice.novak', 'carol.white', 'dave.kim'].map((nick) => tenant.user(nick)));
    for (const user of targets) {
      const current = await tenant.currentTap(user.id);
      expect(current, user.userPrincipalName).not.toBeNull();
      expect(taps.map((t) => t.sha256)).toContain(current!.sha256);
    }

    // They are in the outbox file (the fake inbox): proof that the scan below looks for the right strings.
    const outboxFile = readFileSync(path.join(stack!.dataDir, 'outbox.jsonl'), 'utf8');
    for (const tap of taps) expect(outboxFile.includes(tap.secret)).toBe(true);

    const storyTargets = await Promise.all(['alice.novak', 'carol.white', 'dave.kim', 'nina.berg', 'leo.martins'].map((nick) => tenant.user(nick)));
    const contacts = await Promise.all(storyTargets.map((u) => tenant.contacts(u.id)));
    const needles: Needle[] = [
      ...taps.map((t): Needle => ({ kind: 'tap', value: t.secret })),
      ...contacts.flatMap((c) => c.phones.flatMap((p) => phoneForms(p).map((value): Needle => ({ kind: 'phone', value })))),
      ...contacts.flatMap((c) => (c.mail === null ? [] : [{ kind: 'mail', value: c.mail } satisfies Needle])),
    ];
    expect(needles.filter((n) => n.kind === 'phone').length).toBeGreaterThanOrEqual(8);
    const report = await scanForSecrets(info, stack!.dataDir, needles);

    // The scan saw the artifacts it claims to cover.
    for (const name of ['worker', 'notifier', 'intake', 'tenant', 'acs', 'servicebus', 'tables']) {
      expect(report.scanned.files).toContain(path.join('logs', `${name}.log`));
    }
    expect(report.scanned.files).toContain('stack.json');
    expect(report.scanned.ledgerRows).toBeGreaterThan(10);
    expect(report.scanned.deadLetters).toBeGreaterThanOrEqual(1);
    expect(report.findings).toEqual([]);
  });

  it('the scan finds a TAP where one was planted: a log file and a ledger row (so a clean scan means something)', async () => {
    const info = stack!.info;
    const tap = sentTaps(await acsSim(info.acs.url).outbox())[0]!.secret;
    const planted = path.join(stack!.dataDir, 'logs', 'planted.log');
    writeFileSync(planted, `{"msg":"oops","value":"${tap}"}\n`);
    const table = TableClient.fromConnectionString(info.tables.connectionString, 'plantedsecret', { allowInsecureConnection: true });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', note: `sent ${tap}` });
    try {
      const report = await scanForSecrets(info, stack!.dataDir, [{ kind: 'tap', value: tap }]);
      expect(report.findings.map((f) => f.where).sort()).toEqual(['ledger table plantedsecret', path.join('logs', 'planted.log')].sort());
      expect(report.findings.every((f) => !f.needle.includes(tap))).toBe(true);
    } finally {
      rmSync(planted, { force: true });
      await table.deleteTable();
    }
  });
});
