// The demo story, chapter by chapter: what is injected, what is submitted, what must be seen.
// `pnpm demo` narrates it; test/e2e/demo-story.test.ts plays the same chapters and asserts the
// evidence, so the demo cannot drift from what is tested.
import { peekDeadLetters } from '../support/dead-letters.js';
import type { DeadLetter } from '../support/dead-letters.js';
import type { OutboxEntry } from '../support/simulators.js';
import { sha256Hex, tapIn } from '../support/taps.js';
import { waitFor } from '../support/wait.js';
import type { ChapterDefinition, ChapterRecorder } from './chapter.js';
import { masked } from './context.js';
import type { Followed, Party, StoryContext } from './context.js';

const ending = (number: string) => `the number ending ${number.slice(-2)}`;
const sameAddress = (a: string, b: string | null) => b !== null && a.toLowerCase() === b.toLowerCase();

/** Status and channel as the ledger has them, checked against what the chapter expects. */
function expectOutcome(c: ChapterRecorder, f: Followed, status: string, channel?: 'sms' | 'email'): void {
  const got = f.record === null ? 'never recorded' : `${f.record.status}${f.record.channel ? ` by ${f.record.channel}` : ''}`;
  const wanted = `${status}${channel ? ` by ${channel}` : ''}`;
  c.check(`the ledger says ${wanted}`, f.atRest && f.record?.status === status && (channel === undefined || f.record.channel === channel),
    got === wanted ? `${(f.elapsedMs / 1000).toFixed(2)} s after the intake's 202` : `got ${got}`);
}

/** The TAP message to the target, and whether Graph holds that TAP as the target's current one. */
async function expectTapMessage(ctx: StoryContext, c: ChapterRecorder, mark: number, target: Party, f: Followed, channel: 'sms' | 'email'): Promise<string | undefined> {
  const toTarget = (m: OutboxEntry) => m.channel === channel && (channel === 'sms' ? target.smsNumbers.includes(m.to) : sameAddress(m.to, target.contacts.mail));
  const message = await ctx.message(mark, `the ${channel} to ${target.nick}`, (m) => toTarget(m) && tapIn(m) !== undefined);
  c.evidence.tapMessage = message;
  const where = channel === 'sms' ? ending(message.to) : 'their mailbox';
  c.narrate(`      ${channel === 'sms' ? 'SMS' : 'email'} to ${where}: "${masked(message)}"`);
  const tap = tapIn(message);
  const current = await ctx.tenant.currentTap(target.user.id);
  const matches = tap !== undefined && current !== null && sha256Hex(tap) === current.sha256 && current.id === f.record?.tapId;
  c.evidence.tapSha256 = tap === undefined ? undefined : sha256Hex(tap);
  c.evidence.currentTapMatches = matches;
  c.check(`the ${channel === 'sms' ? 'SMS' : 'email'} carries ${target.user.displayName}'s current TAP`, matches, 'its SHA-256 equals the one Graph holds, same TAP id as the ledger');
  return tap;
}

/** The requesting manager's confirmation or notice, quoting the reference id. */
async function managerMessage(ctx: StoryContext, c: ChapterRecorder, mark: number, requestor: Party, f: Followed): Promise<OutboxEntry> {
  const reference = f.record?.referenceId ?? '';
  const message = await ctx.message(mark, `the email to ${requestor.nick} quoting ${reference}`,
    (m) => m.channel === 'email' && sameAddress(m.to, requestor.contacts.mail) && m.body.includes(reference));
  c.evidence.managerMessage = message;
  c.narrate(`      email to ${requestor.user.displayName}: "${masked(message)}"`);
  return message;
}

const deliveredBySms: ChapterDefinition = {
  key: 'sms', letter: 'a', title: 'A manager gets a TAP to a report by SMS',
  requestor: 'ben.okafor', target: 'alice.novak', expected: 'delivered by SMS',
  async play(ctx, c) {
    const { requestor, target } = await c.parties();
    const mark = await ctx.outboxMark();
    const f = await ctx.run(requestor, target);
    c.followed(f);
    expectOutcome(c, f, 'delivered', 'sms');
    const tap = await expectTapMessage(ctx, c, mark, target, f, 'sms');
    const note = await managerMessage(ctx, c, mark, requestor, f);
    c.check(`${requestor.user.displayName}'s confirmation names the channel and holds no TAP`,
      note.body.includes('by SMS') && tapIn(note) === undefined && (tap === undefined || !note.body.includes(tap)));
  },
};

const emailAfterSmsFailure: ChapterDefinition = {
  key: 'emailFallback', letter: 'b', title: 'The SMS fails, the TAP goes by email',
  requestor: 'ben.okafor', target: 'carol.white', expected: 'delivered by email',
  async play(ctx, c) {
    const { requestor, target } = await c.parties();
    const number = target.smsNumbers[0];
    if (number === undefined || target.contacts.mail === null) throw new Error(`${target.nick} needs a mobile and a mail for this chapter`);
    const fault = await ctx.acs.addFault({ route: 'POST /sms', recipient: number, status: 400, errorMessage: 'Recipient is unreachable.' });
    c.narrate(`      injected: ACS refuses every SMS to ${ending(number)}`);
    try {
      const mark = await ctx.outboxMark();
      const f = await ctx.run(requestor, target);
      c.followed(f);
      expectOutcome(c, f, 'delivered', 'email');
      const applied = (await ctx.acs.faults()).find((x) => x.id === fault.id)?.applied ?? 0;
      c.evidence.faultHits = applied;
      c.check('ACS refused the SMS first', applied >= 1, `${applied} refusal${applied === 1 ? '' : 's'}`);
      const tap = await expectTapMessage(ctx, c, mark, target, f, 'email');
      const sms = (await ctx.messagesSince(mark)).filter((m) => m.channel === 'sms' && target.smsNumbers.includes(m.to));
      c.evidence.messagesToTarget = sms;
      c.check('no SMS reached her phone', sms.length === 0);
      const note = await managerMessage(ctx, c, mark, requestor, f);
      c.check(`${requestor.user.displayName}'s confirmation says email, not SMS, and holds no TAP`,
        note.body.includes('by email') && !note.body.includes('SMS') && tapIn(note) === undefined && (tap === undefined || !note.body.includes(tap)));
    } finally {
      await ctx.acs.clearFaults();
    }
  },
};

/** Words that would tell the manager why: the notice must not contain them. */
const REVEALING = /manager|chang|recent|quarantin|escalat|role|admin/i;

const escalationDenied: ChapterDefinition = {
  key: 'denied', letter: 'c', title: 'An escalation attempt is denied',
  requestor: 'ben.okafor', target: 'nina.berg', expected: 'denied, ManagerRecentlyChanged',
  async play(ctx, c) {
    const { requestor, target } = await c.parties();
    c.narrate(`      ${target.user.displayName}'s manager was changed to ${requestor.user.displayName} an hour ago (directory audit log)`);
    const mark = await ctx.outboxMark();
    const f = await ctx.run(requestor, target);
    c.followed(f);
    expectOutcome(c, f, 'denied');
    const reasons = f.record?.reasons ?? [];
    c.check('the ledger records the reason ManagerRecentlyChanged', reasons.includes('ManagerRecentlyChanged'), `reasons: ${reasons.join(', ') || 'none'}`);
    const tap = await ctx.tenant.currentTap(target.user.id);
    c.evidence.targetHasTap = tap !== null;
    c.check('no TAP was created for her', tap === null);
    const note = await managerMessage(ctx, c, mark, requestor, f);
    c.check(`the notice to ${requestor.user.displayName} quotes the reference id and does not say why`,
      !reasons.some((r) => note.body.includes(r)) && !REVEALING.test(note.body));
    const resume = await waitFor(async () => (await ctx.tenant.resumeCalls()).find((r) => r.requestId === f.submitted.requestId),
      { timeoutMs: ctx.options.chapterTimeoutMs, what: 'the resume call to Entra' });
    c.evidence.resume = resume;
    const detail = resume.body.data?.customExtensionStageInstanceDetail ?? '';
    c.check('Entra was told "denied", without the reason', resume.body.data?.state === 'denied' && !reasons.some((r) => detail.includes(r)) && !REVEALING.test(detail), `"${detail}"`);
    const toTarget = (await ctx.messagesSince(mark)).filter((m) => target.smsNumbers.includes(m.to) || sameAddress(m.to, target.contacts.mail));
    c.evidence.messagesToTarget = toTarget;
    c.check('nothing was sent to her', toTarget.length === 0);
  },
};

/** How long Graph stays down: long enough for several refused calls and in-process retries. */
const OUTAGE_MS = 3_000;

const graphOutage: ChapterDefinition = {
  key: 'graphOutage', letter: 'd', title: 'Graph is down for a while, then recovers',
  requestor: 'ben.okafor', target: 'dave.kim', expected: 'delivered by SMS after retries',
  async play(ctx, c) {
    const { requestor, target } = await c.parties();
    const mark = await ctx.outboxMark();
    const faults = [
      await ctx.tenant.addFault({ route: '* /v1.0/**', status: 503 }),
      await ctx.tenant.addFault({ route: '* /beta/**', status: 503 }),
    ];
    const down = Date.now();
    c.narrate('      injected: every Graph call answers 503 Service Unavailable');
    let up: number | undefined;
    try {
      const running = ctx.run(requestor, target);
      // The outage lasts until Graph has refused the worker a few times and OUTAGE_MS has passed.
      const hits = await waitFor(async () => {
        const n = (await ctx.tenant.faults()).filter((x) => faults.some((f) => f.id === x.id)).reduce((sum, x) => sum + (x.hits ?? 0), 0);
        return n >= 3 && Date.now() - down >= OUTAGE_MS ? n : undefined;
      }, { timeoutMs: ctx.options.chapterTimeoutMs, intervalMs: 100, what: 'Graph to refuse the worker three times' });
      await ctx.tenant.clearFaults();
      up = Date.now();
      c.evidence.faultHits = hits;
      c.evidence.outageMs = up - down;
      c.narrate(`      Graph is back after ${((up - down) / 1000).toFixed(1)} s; it refused ${hits} calls meanwhile`);
      const f = await running;
      c.followed(f);
      expectOutcome(c, f, 'delivered', 'sms');
      const rested = Date.parse(f.record?.timeline.at(-1)?.at ?? '') - up;
      c.evidence.restedAfterOutageMs = rested;
      c.check('the worker retried through the outage and finished after it', hits >= 1 && rested >= 0, `${hits} refused calls, delivered ${(rested / 1000).toFixed(2)} s after recovery`);
      await expectTapMessage(ctx, c, mark, target, f, 'sms');
      const note = await managerMessage(ctx, c, mark, requestor, f);
      c.check(`${requestor.user.displayName}'s confirmation says SMS`, note.body.includes('by SMS') && tapIn(note) === undefined);
    } finally {
      if (up === undefined) await ctx.tenant.clearFaults();
    }
  },
};

function requestIdOf(body: unknown): string | undefined {
  const value = Buffer.isBuffer(body) ? body.toString('utf8') : body;
  if (typeof value === 'string') {
    try {
      return requestIdOf(JSON.parse(value) as unknown);
    } catch {
      return undefined;
    }
  }
  const id = (value as { requestId?: unknown } | null)?.requestId;
  return typeof id === 'string' ? id : undefined;
}

const deadLettered: ChapterDefinition = {
  key: 'deadLettered', letter: 'e', title: 'A report with no contact: dead-lettered with its reason',
  requestor: 'ben.okafor', target: 'leo.martins', expected: 'failed, NoDeliverableContact',
  async play(ctx, c) {
    const { requestor, target } = await c.parties();
    c.narrate(`      ${target.user.displayName} has no phone and no mail in the directory`);
    const f = await ctx.run(requestor, target);
    c.followed(f);
    expectOutcome(c, f, 'failed');
    const reasons = f.record?.reasons ?? [];
    c.check('the ledger records NoDeliverableContact', reasons.includes('NoDeliverableContact'), `reasons: ${reasons.join(', ') || 'none'}`);
    const { requests, deliveries } = ctx.stack.serviceBus.queues;
    const letter: DeadLetter = await waitFor(async () => (await peekDeadLetters(ctx.stack.serviceBus.connectionString, [requests, deliveries]))
      .find((d) => requestIdOf(d.body) === f.submitted.requestId), { timeoutMs: ctx.options.chapterTimeoutMs, intervalMs: 250, what: 'the dead-lettered message' });
    c.evidence.deadLetter = letter;
    c.narrate(`      dead-letter queue ${letter.queue}/$DeadLetterQueue: ${letter.reason ?? '?'}: "${letter.description ?? ''}"`);
    c.check('its dead-letter reason is NoDeliverableContact', letter.reason === 'NoDeliverableContact');
    const tap = await ctx.tenant.currentTap(target.user.id);
    c.evidence.targetHasTap = tap !== null;
    c.check('no TAP was created (nothing could deliver it)', tap === null);
  },
};

export const CHAPTERS: readonly ChapterDefinition[] = [deliveredBySms, emailAfterSmsFailure, escalationDenied, graphOutage, deadLettered];
