import type { OutboxEntry } from './outbox.js';

/** Everything from the outbox is untrusted text (it may be an attacker's HTML email): escape it all. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function cell(text: string | undefined): string {
  return `<td>${escapeHtml(text ?? '')}</td>`;
}

function row(e: OutboxEntry): string {
  const ids = [e.messageId, e.repeatabilityRequestId, e.operationId].filter((x) => x !== undefined).join('\n');
  const html = e.html === undefined ? '' : `<details><summary>HTML source</summary><pre>${escapeHtml(e.html)}</pre></details>`;
  return [
    '<tr>',
    cell(e.time),
    cell(e.channel),
    cell(e.from),
    cell(e.recipientType === undefined || e.recipientType === 'to' ? e.to : `${e.recipientType}: ${e.to}`),
    cell(e.subject),
    `<td><pre>${escapeHtml(e.body)}</pre>${html}</td>`,
    `<td><pre>${escapeHtml(ids)}</pre></td>`,
    '</tr>',
  ].join('');
}

/** A small page for people watching a local run; newest first, refreshed every 5 s. */
export function renderOutboxPage(entries: readonly OutboxEntry[]): string {
  const rows = [...entries].reverse().map(row).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<title>ACS simulator outbox</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5rem; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; vertical-align: top; text-align: left; }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; }
</style>
</head>
<body>
<h1>ACS simulator outbox</h1>
<p>${entries.length} accepted message(s). JSON: <a href="/_sim/outbox">/_sim/outbox</a></p>
<table>
<thead><tr><th>time</th><th>channel</th><th>from</th><th>to</th><th>subject</th><th>body</th><th>ids</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
</body>
</html>
`;
}
