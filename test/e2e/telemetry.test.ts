// DESIGN section 9 on the whole stack: real processes exporting OpenTelemetry to the telemetry
// stand-in. One `tapctl simulate --wait` is one trace from the intake through the worker's Graph
// TAP call to the notifier's ACS send; a Graph 503 and its retry sit in that same trace; the
// dashboard, driven in Debian's Chromium, counts 3 delivered, 2 denied and 1 dead-lettered
// request without a reload; and nothing the services exported holds a TAP, a phone number or an
// email address.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@tapline/local-stack';
import type { TraceNode } from '@tapline/telemetry-stand-in';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acsSim, tenantSim } from './support/simulators.js';
import type { AcsSim, TenantSim } from './support/simulators.js';
import { peekDeadLetters } from './support/dead-letters.js';
import { phoneForms } from './support/secret-scan.js';
import { sentTaps } from './support/taps.js';
import { startTestStack } from './support/test-stack.js';
import type { TestStack } from './support/test-stack.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);
const TAPCTL = path.join(repoRoot, 'packages/tapctl/bin/tapctl.js');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
/** TAPLINE_E2E_SCREENSHOT=docs refreshes the README's screenshot; otherwise it goes to the stack's data dir. */
const screenshotPath = () => (process.env.TAPLINE_E2E_SCREENSHOT === 'docs' ? path.join(repoRoot, 'docs/dashboard.png') : path.join(stack!.dataDir, 'dashboard.png'));
const SPANS_TIMEOUT_MS = 30_000;

type Span = TraceNode;

interface TraceAnswer {
  readonly traceIds: string[];
  readonly spans: Span[];
}

let stack: TestStack | undefined;
let tenant: TenantSim;
let acs: AcsSim;
const requestIds: Record<string, string> = {};

beforeAll(async () => {
  stack = await startTestStack({ name: 'telemetry' });
  tenant = tenantSim(stack.info.tenant.url);
  acs = acsSim(stack.info.acs.url);
}, 240_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

async function tapctl(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [TAPCTL, ...args, '--stack', stack!.stackFile], { cwd: repoRoot, timeout: 120_000 });
  return stdout;
}

/** `tapctl simulate --wait --json`: the request id and the status it came to rest in. */
async function simulate(target: string): Promise<{ requestId: string; status: string }> {
  const out = await tapctl('simulate', '--requestor', 'ben.okafor', '--target', target, '--wait', '--timeout', '90', '--json');
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { requestId: string; status: string };
  requestIds[target] = result.requestId;
  return result;
}

const flat = (spans: readonly Span[]): Span[] => spans.flatMap((s) => [s, ...flat(s.children)]);
const start = (s: Span) => Date.parse(s.startedAt);

async function traceOf(requestId: string): Promise<TraceAnswer> {
  const res = await fetch(`${stack!.info.telemetry.url}/api/requests/${requestId}/trace`);
  return (await res.json()) as TraceAnswer;
}

/** Waits until the request's spans include every one `wanted` picks out (spans arrive batched). */
async function spansOf(requestId: string, wanted: Record<string, (s: Span) => boolean>): Promise<{ trace: TraceAnswer; found: Record<string, Span> }> {
  return waitFor(async () => {
    const trace = await traceOf(requestId);
    const all = flat(trace.spans);
    const found: Record<string, Span> = {};
    for (const [key, pick] of Object.entries(wanted)) {
      const span = all.find(pick);
      if (span === undefined) return undefined;
      found[key] = span;
    }
    return { trace, found };
  }, { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: `the spans of request ${requestId} (${Object.keys(wanted).join(', ')})` });
}

/** `descendant` sits below `ancestor` in the trace (following parent ids). */
function isBelow(all: readonly Span[], descendant: Span, ancestor: Span): boolean {
  const byId = new Map(all.map((s) => [s.spanId, s]));
  let at: Span | undefined = descendant;
  for (let depth = 0; at !== undefined && depth < 64; depth++) {
    if (at.parentSpanId === ancestor.spanId) return true;
    at = at.parentSpanId === undefined ? undefined : byId.get(at.parentSpanId);
  }
  return false;
}

const isTapPost = (s: Span) => s.service === 'tapline-worker' && s.kind === 3 && String(s.attributes['http.request.method']) === 'POST'
  && String(s.attributes['url.full'] ?? s.attributes['url.path'] ?? '').includes('/authentication/temporaryAccessPassMethods');
const HOPS = {
  intake: (s: Span) => s.service === 'tapline-intake' && s.name === 'POST /api/tap-requests',
  worker: (s: Span) => s.service === 'tapline-worker' && s.name === 'process tap-requests',
  tapPost: isTapPost,
  publish: (s: Span) => s.service === 'tapline-worker' && s.name === 'send tap-deliveries',
  notifier: (s: Span) => s.service === 'tapline-notifier' && s.name === 'process tap-deliveries',
  acsSend: (s: Span) => s.service === 'tapline-notifier' && s.name === 'send sms',
};

describe('one trace per request', () => {
  it('spans the intake, the worker (with the Graph TAP call) and the notifier (with the ACS send), in causal order', async () => {
    const result = await simulate('alice.novak');
    expect(result.status).toBe('delivered');
    const { trace, found } = await spansOf(result.requestId, HOPS);
    expect(trace.traceIds).toHaveLength(1);
    const all = flat(trace.spans);
    expect(new Set(all.map((s) => s.traceId))).toEqual(new Set(trace.traceIds));
    const { intake, worker, tapPost, publish, notifier, acsSend } = found as Record<keyof typeof HOPS, Span>;
    // Causal order, by parentage (clocks of one machine agree, so by start time as well). The
    // intake's request span is what the tap-requests message carries.
    expect(isBelow(all, worker, intake)).toBe(true);
    // The intake's one span per request: no span of its own per message, no Azure SDK spans (a
    // first request may also show the signing-key fetch, an undici GET).
    const intakeSpans = all.filter((s) => s.service === 'tapline-intake').map((s) => s.name);
    expect(intakeSpans.filter((name) => name !== 'GET')).toEqual(['POST /api/tap-requests']);
    expect(isBelow(all, tapPost, worker)).toBe(true);
    expect(isBelow(all, publish, worker)).toBe(true);
    expect(isBelow(all, notifier, publish)).toBe(true);
    expect(isBelow(all, acsSend, notifier)).toBe(true);
    const order = [intake, worker, tapPost, notifier, acsSend].map(start);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // The ACS call itself, as the Azure SDK's instrumentation (or the HTTP one) records it.
    expect(all.some((s) => isBelow(all, s, acsSend) && s.kind === 3)).toBe(true);
    expect(tapPost.attributes['http.response.status_code']).toBe(201);

    // The same tree from the command line.
    const printed = await tapctl('trace', result.requestId);
    expect(printed).toContain(`trace ${trace.traceIds[0]}`);
    for (const line of ['intake', 'POST /api/tap-requests', 'worker', 'process tap-requests', 'notifier', 'send sms']) expect(printed).toContain(line);
    const json = JSON.parse((await tapctl('trace', result.requestId, '--json')).trim()) as TraceAnswer;
    expect(json.traceIds).toEqual(trace.traceIds);
  }, 180_000);

  it('keeps a request retried after a Graph 503 in the same trace, the refused call beside the retry', async () => {
    await tenant.addFault({ route: 'POST /v1.0/users/*/authentication/temporaryAccessPassMethods', status: 503, count: 1 });
    try {
      const result = await simulate('bob.lindqvist');
      expect(result.status).toBe('delivered');
      const { trace } = await spansOf(result.requestId, {
        refused: (s) => isTapPost(s) && s.attributes['http.response.status_code'] === 503,
        created: (s) => isTapPost(s) && s.attributes['http.response.status_code'] === 201,
        delivered: (s) => s.service === 'tapline-notifier' && /^send (sms|email)$/.test(s.name) && s.attributes['tap.outcome'] === 'accepted',
      });
      expect(trace.traceIds).toHaveLength(1);
      const posts = flat(trace.spans).filter(isTapPost).sort((a, b) => start(a) - start(b));
      expect(posts.map((p) => p.attributes['http.response.status_code'])).toEqual([503, 201]);
    } finally {
      await tenant.clearFaults();
    }
  }, 180_000);
});

describe.skipIf(CHROMIUM === undefined)('the dashboard in Chromium', () => {
  it('shows 3 delivered, 2 denied and 1 dead-lettered request and the dead letter\'s reason, without a reload', async () => {
    const { chromium } = await import('playwright-core');
    const profile = mkdtempSync(path.join(tmpdir(), 'tapline-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM!,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1500 },
    });
    try {
      const page = context.pages()[0] ?? await context.newPage();
      let loads = 0;
      page.on('load', () => void (loads += 1));
      await page.goto(stack!.info.telemetry.url);
      expect(loads).toBe(1);
      // Two delivered so far (the suite above); one more, two denials and a dead letter now.
      const outcomes = await Promise.all([simulate('carol.white'), simulate('erin.walsh'), simulate('henry.adams'), simulate('leo.martins')]);
      expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'denied', 'denied', 'failed']);

      const text = (id: string) => page.locator(`[data-testid=${id}]`).innerText();
      await waitFor(async () => ((await text('total-delivered')) === '3' && (await text('total-denied')) === '2' && (await text('total-dead-lettered')) === '1' ? true : undefined),
        { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: 'the dashboard to count 3 delivered, 2 denied, 1 dead-lettered' });
      expect(await text('total-delivered')).toBe('3');
      expect(await text('total-denied')).toBe('2');
      expect(await text('total-dead-lettered')).toBe('1');
      // The dead letter as the broker holds it; the page must name its queue and reason.
      const { requests, deliveries } = stack!.info.serviceBus.queues;
      const letter = await waitFor(async () => (await peekDeadLetters(stack!.info.serviceBus.connectionString, [requests, deliveries]))
        .find((d) => (Buffer.isBuffer(d.body) ? d.body.toString('utf8') : JSON.stringify(d.body ?? '')).includes(requestIds['leo.martins']!)), { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: 'the dead letter in the broker' });
      expect(letter.reason).toBe('NoDeliverableContact');
      const deadLetters = await waitFor(async () => {
        const t = await text('dead-letters');
        return t.includes(letter.reason ?? '?') ? t : undefined;
      }, { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: 'the dead letter and its reason on the page' });
      expect(deadLetters).toContain(`${letter.queue}\t${letter.reason}\t1`);
      expect(deadLetters).toContain(`pnpm tapctl dlq list --queue ${letter.queue.replace(/^tap-/, '')} --reason ${letter.reason}`);
      await waitFor(async () => ((await text('recent-dead-letters')).includes(requestIds['leo.martins']!) ? true : undefined),
        { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: 'the dead-lettered request among the latest dead letters' });
      // Queue depths as the services observe them from the broker.
      await waitFor(async () => {
        const t = await text('queues');
        return t.includes(requests) && t.includes(deliveries) ? true : undefined;
      }, { timeoutMs: SPANS_TIMEOUT_MS, intervalMs: 250, what: 'both queues in the queues panel' });
      expect(loads).toBe(1);
      const screenshot = screenshotPath();
      mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(existsSync(screenshot)).toBe(true);
    } finally {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    }
  }, 240_000);
});

if (CHROMIUM === undefined) {
  console.warn('the dashboard browser test is skipped: no Chromium at /usr/bin/chromium (install it with `apt-get install -y chromium`; .ci/run does)');
}

describe('what the services exported', () => {
  it('holds no TAP, phone number or email address in any span or metric point', async () => {
    const outbox = await acs.outbox();
    const taps = sentTaps(outbox).map((t) => t.secret);
    expect(taps.length).toBeGreaterThanOrEqual(2);
    const people = await Promise.all(['ben.okafor', ...Object.keys(requestIds)].map(async (ref) => tenant.contacts((await tenant.user(ref)).id)));
    const needles = [
      ...taps,
      ...people.flatMap((c) => [...c.phones.flatMap(phoneForms), ...(c.mail === null ? [] : [c.mail, c.mail.toLowerCase()])]),
    ].filter((n) => n.length >= 6);
    const { bodies } = (await (await fetch(`${stack!.info.telemetry.url}/api/raw`)).json()) as { bodies: string[] };
    expect(bodies.length).toBeGreaterThan(0);
    const exported = bodies.join('\n');
    expect(exported).toContain('tap.delivered');
    expect(exported).toContain('process tap-deliveries');
    expect(exported).toContain('messaging.process.duration');
    const found = needles.filter((n) => exported.includes(n)).map((n) => `${n.slice(0, 2)}***${n.slice(-2)}`);
    expect(found).toEqual([]);
  }, 60_000);
});
