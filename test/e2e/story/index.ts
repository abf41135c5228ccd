// The demo story: five requests through the running stack, each showing one behaviour a user
// would notice (DESIGN sections 3 to 6). Played by `pnpm demo` (narrated) and by the end-to-end
// test (asserted). Chapters run one after another; a failed chapter is recorded and the story
// goes on, so the summary shows everything at once.
import type { StackInfo } from '@tapline/local-stack';
import { recorder } from './chapter.js';
import type { ChapterKey, ChapterResult } from './chapter.js';
import { CHAPTERS } from './chapters.js';
import { createStoryContext } from './context.js';
import type { StoryOptions } from './context.js';

export type { ChapterKey, ChapterResult, Check, Evidence } from './chapter.js';
export type { StoryOptions } from './context.js';
export { formatSummary } from './summary.js';

export interface StoryResult {
  readonly chapters: readonly ChapterResult[];
  readonly byKey: Readonly<Record<ChapterKey, ChapterResult>>;
  readonly ok: boolean;
  readonly elapsedMs: number;
}

export async function playStory(stack: StackInfo, options: StoryOptions): Promise<StoryResult> {
  const started = Date.now();
  const ctx = await createStoryContext(stack, options);
  const chapters: ChapterResult[] = [];
  for (const def of CHAPTERS) {
    const requestor = await ctx.party(def.requestor);
    const target = await ctx.party(def.target);
    options.narrate('');
    options.narrate(`(${def.letter}) ${def.title}`);
    options.narrate(`      ${requestor.user.displayName} asks for a TAP for ${target.user.displayName}; expected: ${def.expected}`);
    const { rec, result } = recorder(ctx, def);
    try {
      await def.play(ctx, rec);
      chapters.push(result());
    } catch (err) {
      chapters.push(result(err));
    }
  }
  const byKey = Object.fromEntries(chapters.map((c) => [c.key, c])) as Record<ChapterKey, ChapterResult>;
  return { chapters, byKey, ok: chapters.every((c) => c.ok), elapsedMs: Date.now() - started };
}
