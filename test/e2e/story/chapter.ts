// The bookkeeping of one chapter: its checks (each narrated as it is made) and the evidence the
// end-to-end test asserts on by itself, so a slip in a check here cannot hide a failure there.
import { referenceIdFor } from '@tapline/domain';
import type { DeadLetter } from '../support/dead-letters.js';
import type { OutboxEntry, ResumeCall } from '../support/simulators.js';
import type { Followed, Party, StoryContext } from './context.js';

export type ChapterKey = 'sms' | 'emailFallback' | 'denied' | 'graphOutage' | 'deadLettered';

export interface Check {
  readonly what: string;
  readonly ok: boolean;
  readonly detail?: string;
}

/** What a chapter saw, for the test to assert on. */
export interface Evidence {
  /** The message that carried the TAP to the target. */
  tapMessage?: OutboxEntry;
  /** The TAP's SHA-256 (never the TAP) and whether Graph holds that TAP as the user's current one. */
  tapSha256?: string;
  currentTapMatches?: boolean;
  /** The confirmation or notice to the requesting manager. */
  managerMessage?: OutboxEntry;
  /** Messages to the target's contacts after the chapter began. */
  messagesToTarget?: OutboxEntry[];
  /** How many calls the injected fault refused. */
  faultHits?: number;
  outageMs?: number;
  restedAfterOutageMs?: number;
  deadLetter?: DeadLetter;
  resume?: ResumeCall;
  targetHasTap?: boolean;
}

/** What a chapter was meant to show (its definition less the play), and what happened. */
export interface ChapterResult extends Omit<ChapterDefinition, 'play'> {
  readonly requestId?: string;
  readonly referenceId?: string;
  /** The ledger status, or `missing` / `error` when the chapter did not get that far. */
  readonly status: string;
  readonly channel?: string;
  readonly reasons: readonly string[];
  readonly elapsedMs?: number;
  readonly checks: readonly Check[];
  readonly evidence: Evidence;
  readonly error?: string;
  readonly ok: boolean;
}

export interface ChapterDefinition {
  readonly key: ChapterKey;
  readonly letter: string;
  readonly title: string;
  readonly requestor: string;
  readonly target: string;
  readonly expected: string;
  readonly play: (ctx: StoryContext, chapter: ChapterRecorder) => Promise<void>;
}

export interface ChapterRecorder {
  readonly evidence: Evidence;
  narrate(line: string): void;
  check(what: string, ok: boolean, detail?: string): boolean;
  /** Records the request's ledger outcome and narrates it. */
  followed(f: Followed): void;
  parties(): Promise<{ requestor: Party; target: Party }>;
}

export function recorder(ctx: StoryContext, def: ChapterDefinition) {
  const checks: Check[] = [];
  const evidence: Evidence = {};
  let followed: Followed | undefined;
  const narrate = ctx.options.narrate;

  const rec: ChapterRecorder = {
    evidence,
    narrate,
    check(what, ok, detail) {
      checks.push({ what, ok, ...(detail !== undefined && { detail }) });
      narrate(`      ${ok ? '✓' : '✗'} ${what}${detail !== undefined ? ` (${detail})` : ''}`);
      return ok;
    },
    followed(f) {
      followed = f;
      if (!f.atRest) narrate(`      … not at rest after ${Math.round(ctx.options.chapterTimeoutMs / 1000)} s: ${f.record?.status ?? 'never recorded'}`);
    },
    async parties() {
      return { requestor: await ctx.party(def.requestor), target: await ctx.party(def.target) };
    },
  };

  const result = (error?: unknown): ChapterResult => {
    const record = followed?.record ?? null;
    const requestId = followed?.submitted.requestId;
    const message = error === undefined ? undefined : error instanceof Error ? error.message : 'the chapter threw a non-error';
    if (message !== undefined) rec.check('the chapter ran to its end', false, message);
    return {
      key: def.key, letter: def.letter, title: def.title, requestor: def.requestor, target: def.target, expected: def.expected,
      ...(requestId !== undefined && { requestId, referenceId: referenceIdFor(requestId) }),
      status: record?.status ?? (message !== undefined ? 'error' : 'missing'),
      ...(record?.channel !== undefined && { channel: record.channel }),
      reasons: record?.reasons ?? [],
      ...(followed !== undefined && { elapsedMs: followed.elapsedMs }),
      checks,
      evidence,
      ...(message !== undefined && { error: message }),
      ok: message === undefined && checks.length > 0 && checks.every((c) => c.ok),
    };
  };
  return { rec, result };
}
