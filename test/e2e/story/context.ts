// What every chapter of the story needs: the stack's clients, a way to submit a request and follow
// it to rest in the ledger (tapctl's follower), and waits on the ACS outbox. Each chapter only
// looks at outbox messages newer than its own start, so chapters cannot see each other's mail.
import { followRequest } from '@tapline/tapctl';
import type { TimelineStep } from '@tapline/tapctl';
import type { Ledger, RequestRecord } from '@tapline/ledger';
import type { StackInfo } from '@tapline/local-stack';
import { openLedger } from '../support/ledger.js';
import { acsSim, e164, tenantSim } from '../support/simulators.js';
import type { AcsSim, Contacts, OutboxEntry, SimUser, TenantSim } from '../support/simulators.js';
import { submitter } from '../support/submit.js';
import type { Submitted, Submitter } from '../support/submit.js';
import { tapIn } from '../support/taps.js';
import { waitFor } from '../support/wait.js';

export interface StoryOptions {
  /** One line of the narrative at a time (the demo prints them; tests may collect them). */
  readonly narrate: (line: string) => void;
  /** How long one chapter may take before it counts as failed (generous on a loaded machine). */
  readonly chapterTimeoutMs?: number;
}

export interface Party {
  readonly user: SimUser;
  readonly nick: string;
  readonly contacts: Contacts;
  /** The SMS numbers as ACS sees them. */
  readonly smsNumbers: readonly string[];
}

export interface Followed {
  readonly submitted: Submitted;
  readonly record: RequestRecord | null;
  readonly atRest: boolean;
  /** From the intake's 202 to the request coming to rest in the ledger. */
  readonly elapsedMs: number;
}

export interface StoryContext {
  readonly stack: StackInfo;
  readonly tenant: TenantSim;
  readonly acs: AcsSim;
  readonly ledger: Ledger;
  readonly submitter: Submitter;
  readonly options: Required<StoryOptions>;
  party(nick: string): Promise<Party>;
  /** Highest outbox sequence number so far: a chapter's messages are the ones after it. */
  outboxMark(): Promise<number>;
  /** Submits, then follows the request in the ledger until it rests, narrating each step. */
  run(requestor: Party, target: Party): Promise<Followed>;
  /** The first outbox message after `mark` that matches, waited for. */
  message(mark: number, what: string, match: (m: OutboxEntry) => boolean): Promise<OutboxEntry>;
  messagesSince(mark: number): Promise<OutboxEntry[]>;
}

const short = (text: string, max = 88) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function stepLine(step: TimelineStep, since: number): string {
  // The ledger can record `received` before the 202 reaches us: show that as +0.00.
  const offset = (Math.max(0, Date.parse(step.at) - since) / 1000).toFixed(2).padStart(6);
  // Ids are noise in a narrative: shorten the TAP id and drop the provider's message id.
  const detail = step.detail.replace(/tapId=([0-9a-f]{8})[0-9a-f-]{28}/g, 'tapId=$1…').replace(/ providerMessageId=\S+/, '');
  return `      +${offset} s  ${step.what.padEnd(20)} ${short(detail, 70)}`.trimEnd();
}

/** The message text with its TAP replaced: the narrative never prints a secret. */
export function masked(entry: OutboxEntry): string {
  const tap = tapIn(entry);
  const text = entry.body.split('\n').find((line) => line.trim() !== '') ?? '';
  const line = tap === undefined ? text : entry.body.replace(tap, `[TAP, ${tap.length} characters]`).split('\n').filter((l) => l.trim() !== '').slice(0, 2).join(' ');
  return short(line, 150);
}

export async function createStoryContext(stack: StackInfo, options: StoryOptions): Promise<StoryContext> {
  const tenant = tenantSim(stack.tenant.url);
  const acs = acsSim(stack.acs.url);
  const ledger = await openLedger(stack.tables.connectionString);
  const submit = submitter(stack.intake.url, tenant, stack.tenant.url);
  const full: Required<StoryOptions> = { chapterTimeoutMs: 45_000, ...options };
  const parties = new Map<string, Promise<Party>>();

  const context: StoryContext = {
    stack, tenant, acs, ledger, submitter: submit, options: full,
    party(nick) {
      let found = parties.get(nick);
      if (!found) {
        found = (async () => {
          const user = await tenant.user(nick);
          const contacts = await tenant.contacts(user.id);
          return { user, nick, contacts, smsNumbers: contacts.phones.filter((p) => !/x\d+$/i.test(p)).map(e164) };
        })();
        parties.set(nick, found);
      }
      return found;
    },
    async outboxMark() {
      const all = await acs.outbox();
      return all.reduce((max, m) => Math.max(max, m.seq), 0);
    },
    async run(requestor, target) {
      const submitted = await submit.submit(requestor.user.id, target.user.id);
      full.narrate(`      request ${submitted.requestId} accepted by the intake (202)`);
      const followed = await followRequest({
        ledger,
        requestId: submitted.requestId,
        timeoutMs: full.chapterTimeoutMs,
        pollMs: 100,
        settleMs: 200,
        onStep: (step) => full.narrate(stepLine(step, submitted.acceptedAt)),
      });
      // Until the last status step, not until the follower noticed it.
      const lastStep = followed.record?.timeline.at(-1)?.at;
      const restedAt = followed.atRest && lastStep !== undefined ? Date.parse(lastStep) : Date.now();
      return { submitted, record: followed.record, atRest: followed.atRest, elapsedMs: restedAt - submitted.acceptedAt };
    },
    async messagesSince(mark) {
      return (await acs.outbox()).filter((m) => m.seq > mark);
    },
    message(mark, what, match) {
      return waitFor(async () => (await context.messagesSince(mark)).find(match), { timeoutMs: full.chapterTimeoutMs, intervalMs: 150, what });
    },
  };
  return context;
}
