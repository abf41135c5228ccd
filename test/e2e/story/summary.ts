// The story's summary table: one row per request, readable in a terminal.
import type { ChapterResult } from './chapter.js';

function outcomeDetail(c: ChapterResult): string {
  if (c.channel !== undefined && c.status === 'delivered') return `by ${c.channel}`;
  if (c.reasons.length > 0) return c.reasons.join(', ');
  return c.error !== undefined ? c.error.slice(0, 40) : '';
}

export function formatSummary(chapters: readonly ChapterResult[]): string {
  const header = ['', 'request', 'who', 'outcome', 'channel / reason', 'time', 'as expected'];
  const rows = chapters.map((c) => [
    `(${c.letter})`,
    c.referenceId ?? '-',
    `${c.requestor} → ${c.target}`,
    c.status,
    outcomeDetail(c),
    c.elapsedMs === undefined ? '-' : `${(c.elapsedMs / 1000).toFixed(2)} s`,
    c.ok ? 'yes' : `NO: ${c.checks.find((k) => !k.ok)?.what ?? 'failed'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')}`.trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}
