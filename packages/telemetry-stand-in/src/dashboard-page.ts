// The dashboard: one static page that fetches /api/summary every few seconds and redraws, with
// Chart.js served from this stand-in (no CDN: the page works offline). Text goes in through
// textContent only, never as HTML.

export function dashboardPage(options: { readonly refreshMs: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tapline - telemetry</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  :root { --fg: #1c2330; --muted: #5b6575; --line: #d9dee6; --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --bg: #f6f8fa; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 1rem; padding: .8rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 1.1rem; margin: 0; }
  header .muted { color: var(--muted); font-size: .85rem; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 1rem; padding: 1rem 1.2rem; }
  section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .8rem 1rem; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: .95rem; margin: 0 0 .6rem; }
  .totals { display: grid; grid-template-columns: repeat(6, 1fr); gap: .6rem; }
  .total { text-align: center; padding: .4rem; border-radius: 4px; background: var(--bg); }
  .total b { display: block; font-size: 1.6rem; }
  .total span { color: var(--muted); font-size: .8rem; }
  .total.delivered b { color: var(--ok); } .total.denied b { color: var(--warn); } .total.dead b { color: var(--bad); }
  table { width: 100%; border-collapse: collapse; font-size: .85rem; }
  th, td { text-align: left; padding: .25rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { color: var(--muted); font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  code { font-size: .8rem; background: var(--bg); padding: 0 .25rem; border-radius: 3px; user-select: all; }
  .empty { color: var(--muted); font-style: italic; }
  canvas { max-height: 220px; }
  .timeline { position: relative; height: 14px; background: var(--bg); border-radius: 3px; }
  .timeline i { position: absolute; top: 2px; height: 10px; min-width: 2px; border-radius: 2px; opacity: .85; }
  .svc-tapline-intake { background: #6f42c1; } .svc-tapline-worker { background: #0969da; } .svc-tapline-notifier { background: #1a7f37; }
  .err { background: var(--bad) !important; }
  .legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin: 0 .25rem 0 .6rem; vertical-align: middle; }
</style>
</head>
<body>
<header>
  <h1>tapline telemetry</h1>
  <span class="muted">the same metrics Azure Monitor receives, from this stack's services</span>
  <span class="muted" id="updated" data-testid="updated">waiting for data...</span>
</header>
<main>
  <section class="wide">
    <h2>Requests</h2>
    <div class="totals">
      <div class="total"><b data-testid="total-requests">0</b><span>accepted by the intake</span></div>
      <div class="total"><b data-testid="total-issued">0</b><span>TAPs issued</span></div>
      <div class="total delivered"><b data-testid="total-delivered">0</b><span>delivered</span></div>
      <div class="total denied"><b data-testid="total-denied">0</b><span>denied</span></div>
      <div class="total dead"><b data-testid="total-dead-lettered">0</b><span>dead-lettered</span></div>
      <div class="total"><b data-testid="total-superseded">0</b><span>superseded</span></div>
    </div>
  </section>
  <section><h2>Requests by outcome over time</h2><canvas id="outcomes"></canvas></section>
  <section><h2>Denial reasons</h2><canvas id="denials"></canvas><table data-testid="denial-reasons"><tbody></tbody></table></section>
  <section>
    <h2>Latency (seconds)</h2>
    <table data-testid="latency"><thead><tr><th></th><th>count</th><th>p50</th><th>p90</th><th>p99</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Graph</h2>
    <table data-testid="graph"><tbody></tbody></table>
  </section>
  <section><h2>ACS sends by channel</h2><canvas id="acs"></canvas><table data-testid="acs-waits"><tbody></tbody></table></section>
  <section>
    <h2>Queues</h2>
    <table data-testid="queues"><thead><tr><th>queue</th><th>depth</th><th>dead letters</th><th>oldest (s)</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Dead letters by reason</h2>
    <table data-testid="dead-letters"><thead><tr><th>queue</th><th>reason</th><th>count</th><th>inspect with</th></tr></thead><tbody></tbody></table>
    <h2 style="margin-top:.8rem">Latest dead letters</h2>
    <table data-testid="recent-dead-letters"><thead><tr><th>at</th><th>queue</th><th>reason</th><th>request</th><th>inspect with</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="wide">
    <h2>Last requests <span class="legend muted"><i class="svc-tapline-intake"></i>intake<i class="svc-tapline-worker"></i>worker<i class="svc-tapline-notifier"></i>notifier<i class="err"></i>error</span></h2>
    <table data-testid="recent-requests"><thead><tr><th>started</th><th>request</th><th>outcome</th><th>duration</th><th style="width:45%">timeline</th></tr></thead><tbody></tbody></table>
  </section>
</main>
<script src="/assets/chart.umd.min.js"></script>
<script>
"use strict";
const REFRESH_MS = ${JSON.stringify(options.refreshMs)};
const $ = (sel) => document.querySelector(sel);
const fmt = (n) => n === undefined || n === null ? '-' : (Math.round(n * 1000) / 1000).toString();
function cell(text, cls) { const td = document.createElement('td'); td.textContent = String(text); if (cls) td.className = cls; return td; }
function codeCell(text) { const td = document.createElement('td'); const c = document.createElement('code'); c.textContent = text; td.append(c); return td; }
function fill(table, rows, emptyText) {
  const body = table.tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) { const tr = document.createElement('tr'); const td = cell(emptyText, 'empty'); td.colSpan = 5; tr.append(td); body.append(tr); return; }
  for (const cells of rows) { const tr = document.createElement('tr'); tr.append(...cells); body.append(tr); }
}
const palette = ['#1a7f37', '#b26a00', '#c62828', '#0969da', '#6f42c1', '#57606a'];
const charts = {};
function chart(id, type, extra) {
  if (typeof Chart === 'undefined') return undefined;
  charts[id] ??= new Chart(document.getElementById(id), { type, data: { labels: [], datasets: [] }, options: { animation: false, responsive: true, plugins: { legend: { position: 'bottom' } }, ...extra } });
  return charts[id];
}
function setData(c, labels, datasets) {
  if (!c) return;
  c.data.labels = labels;
  c.data.datasets = datasets.map((d, i) => ({ backgroundColor: palette[i % palette.length], borderColor: palette[i % palette.length], pointRadius: 0, tension: .2, ...d }));
  c.update('none');
}
function render(s) {
  $('[data-testid=total-requests]').textContent = s.totals.requests;
  $('[data-testid=total-issued]').textContent = s.totals.issued;
  $('[data-testid=total-delivered]').textContent = s.totals.delivered;
  $('[data-testid=total-denied]').textContent = s.totals.denied;
  $('[data-testid=total-dead-lettered]').textContent = s.totals.deadLettered;
  $('[data-testid=total-superseded]').textContent = s.totals.superseded;

  const times = s.history.map((h) => new Date(h.t).toLocaleTimeString());
  setData(chart('outcomes', 'line', { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }), times, [
    { label: 'delivered', data: s.history.map((h) => h.values.delivered) },
    { label: 'denied', data: s.history.map((h) => h.values.denied) },
    { label: 'dead-lettered', data: s.history.map((h) => h.values.deadLettered) },
  ]);
  const reasons = Object.entries(s.denialReasons).sort((a, b) => b[1] - a[1]);
  setData(chart('denials', 'bar', { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }), reasons.map((r) => r[0]), [{ label: 'denials', data: reasons.map((r) => r[1]) }]);
  fill($('[data-testid=denial-reasons]'), reasons.map(([r, n]) => [cell(r), cell(n, 'num')]), 'no denials yet');

  fill($('[data-testid=latency]'), [['issuance', s.latency.issuance], ['end to end', s.latency.endToEnd]].map(([name, p]) =>
    [cell(name), cell(p.count, 'num'), cell(fmt(p.p50), 'num'), cell(fmt(p.p90), 'num'), cell(fmt(p.p99), 'num')]), '');

  const g = s.graph;
  fill($('[data-testid=graph]'), [
    [cell('calls ok'), cell(g.calls.ok ?? 0, 'num')],
    [cell('calls throttled (429)'), cell(g.throttled, 'num')],
    [cell('calls failed'), cell(g.calls.failed ?? 0, 'num')],
    [cell('writes (TAP create/delete)'), cell(g.writes, 'num')],
    [cell('write budget in use (limiter rate)'), cell(g.writeBudgetRate === undefined ? '-' : Math.round(g.writeBudgetRate * 100) + ' %', 'num')],
  ], '');

  const channels = Object.keys(s.acs.sends).sort();
  const outcomes = [...new Set(channels.flatMap((c) => Object.keys(s.acs.sends[c])))].sort();
  setData(chart('acs', 'bar', { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }), channels,
    outcomes.map((o) => ({ label: o, data: channels.map((c) => s.acs.sends[c][o] ?? 0) })));
  fill($('[data-testid=acs-waits]'), Object.entries(s.acs.rateLimitWaits).map(([c, n]) => [cell('rate-limit waits, ' + c), cell(n, 'num')]), 'no rate-limit waits');

  fill($('[data-testid=queues]'), Object.entries(s.queues).sort().map(([q, v]) =>
    [cell(q), cell(v.depth ?? '-', 'num'), cell(v.deadLetterDepth ?? '-', 'num'), cell(v.oldestAgeSeconds === undefined ? '-' : Math.round(v.oldestAgeSeconds), 'num')]), 'no queue observed yet');

  fill($('[data-testid=dead-letters]'), s.deadLetters.map((d) => [cell(d.queue), cell(d.reason), cell(d.count, 'num'), codeCell(d.command)]), 'no dead letters');
  fill($('[data-testid=recent-dead-letters]'), s.recentDeadLetters.map((d) =>
    [cell(new Date(d.at).toLocaleTimeString()), cell(d.queue), cell(d.reason), cell(d.requestId ?? '-'), codeCell(d.command)]), 'none');

  fill($('[data-testid=recent-requests]'), s.recentRequests.map((r) => {
    const bar = document.createElement('div');
    bar.className = 'timeline';
    const total = Math.max(r.durationMs, 1);
    for (const step of r.steps) {
      const i = document.createElement('i');
      i.className = 'svc-' + step.service + (step.error ? ' err' : '');
      i.style.left = (100 * step.offsetMs / total) + '%';
      i.style.width = (100 * step.durationMs / total) + '%';
      i.title = step.service + ' ' + step.name + ' ' + Math.round(step.durationMs) + ' ms';
      bar.append(i);
    }
    const td = document.createElement('td'); td.append(bar);
    return [cell(new Date(r.startedAt).toLocaleTimeString()), cell(r.requestId), cell(r.outcome), cell(Math.round(r.durationMs) + ' ms', 'num'), td];
  }), 'no requests yet');
  $('#updated').textContent = 'updated ' + new Date(s.generatedAt).toLocaleTimeString();
}
async function refresh() {
  try {
    const res = await fetch('/api/summary', { cache: 'no-store' });
    if (res.ok) render(await res.json());
  } catch (e) {
    $('#updated').textContent = 'stand-in unreachable: ' + e.message;
  }
}
refresh();
setInterval(refresh, REFRESH_MS);
</script>
</body>
</html>
`;
}
