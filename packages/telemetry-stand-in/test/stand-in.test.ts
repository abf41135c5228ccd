import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS, SPAN_ATTR, SpanKind, contextProperties, createRecorder, extractContext, inSpan, startTelemetry } from '@tapline/observability';
import type { Telemetry } from '@tapline/observability';
import { quantile, startTelemetryStandIn } from '../src/index.js';
import type { Summary, TelemetryStandIn, TraceNode } from '../src/index.js';

// The services' own exporter (OTLP/HTTP JSON) against the stand-in: what one process exports is
// what the dashboard and `tapctl trace` read back.
let standIn: TelemetryStandIn;
let telemetry: Telemetry;

beforeAll(async () => {
  standIn = await startTelemetryStandIn();
  telemetry = await startTelemetry({ serviceName: 'tapline-worker', env: { OTEL_EXPORTER_OTLP_ENDPOINT: standIn.url, OTEL_METRIC_EXPORT_INTERVAL: '600000' } });
});
afterAll(async () => {
  await telemetry.shutdown();
  await standIn.close();
});

const getJson = async <T>(path: string): Promise<T> => (await fetch(`${standIn.url}${path}`)).json() as Promise<T>;

describe('the telemetry stand-in', () => {
  it('adds up counters, merges histograms and keeps gauges from the exported metrics', async () => {
    const r = createRecorder('test');
    for (let i = 0; i < 3; i++) r.add(METRICS.delivered, { channel: 'sms' });
    r.add(METRICS.denied, { reason: 'TargetPrivilegedRole' });
    r.add(METRICS.denialReasons, { reason: 'TargetPrivilegedRole' });
    r.add(METRICS.deadLettered, { queue: 'tap-requests', reason: 'GraphForbidden' });
    for (const s of [0.2, 0.3, 4]) r.record(METRICS.issuanceDuration, s);
    r.observe(METRICS.queueDepth, () => [[7, { queue: 'tap-requests' }]]);
    await telemetry.flush();

    const summary = await getJson<Summary>('/api/summary');
    expect(summary.totals).toMatchObject({ delivered: 3, denied: 1, deadLettered: 1 });
    expect(summary.denialReasons).toEqual({ TargetPrivilegedRole: 1 });
    expect(summary.deadLetters).toEqual([{ queue: 'tap-requests', reason: 'GraphForbidden', count: 1, command: 'pnpm tapctl dlq list --queue requests --reason GraphForbidden' }]);
    expect(summary.queues['tap-requests']).toMatchObject({ depth: 7 });
    expect(summary.latency.issuance.count).toBe(3);
    expect(summary.latency.issuance.p50).toBeGreaterThan(0.25);
    expect(summary.latency.issuance.p50).toBeLessThanOrEqual(0.5);
    expect(summary.history.at(-1)?.values).toMatchObject({ delivered: 3, denied: 1, deadLettered: 1 });
  });

  it('serves a request\'s spans as one tree across a message hop, in causal order', async () => {
    const requestId = 'c0ffee00-0000-4000-8000-000000000001';
    let carried: Record<string, string> = {};
    await inSpan('intake', 'POST /api/tap-requests', { kind: SpanKind.SERVER, attributes: { [SPAN_ATTR.requestId]: requestId } }, async () => {
      await inSpan('intake', 'send tap-requests', { kind: SpanKind.PRODUCER }, async () => {
        carried = contextProperties();
        await Promise.resolve();
      });
    });
    await inSpan('worker', 'process tap-requests', { kind: SpanKind.CONSUMER, parent: extractContext(carried), attributes: { [SPAN_ATTR.requestId]: requestId } }, async () => {
      await inSpan('worker', 'issue', { attributes: { [SPAN_ATTR.requestId]: requestId } }, () => Promise.resolve());
    });
    await telemetry.flush();

    const body = await getJson<{ traceIds: string[]; spans: TraceNode[] }>(`/api/requests/${requestId}/trace`);
    expect(body.traceIds).toHaveLength(1);
    const names = (nodes: readonly TraceNode[]): string[] => nodes.flatMap((n) => [n.name, ...names(n.children)]);
    expect(names(body.spans)).toEqual(['POST /api/tap-requests', 'send tap-requests', 'process tap-requests', 'issue']);
    expect(body.spans[0]?.service).toBe('tapline-worker');
    expect(carried['Diagnostic-Id']).toBe(carried.traceparent);
  });

  it('refuses protobuf with a message that says what to send instead', async () => {
    const res = await fetch(`${standIn.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([1, 2]) });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { error: string }).error).toContain('http/json');
  });

  it('serves the dashboard page and its chart library from the stand-in itself', async () => {
    const page = await (await fetch(standIn.url)).text();
    expect(page).toContain('<script src="/assets/chart.umd.min.js">');
    expect(page).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const lib = await fetch(`${standIn.url}/assets/chart.umd.min.js`);
    expect(lib.headers.get('content-type')).toContain('javascript');
    expect((await lib.text()).length).toBeGreaterThan(100_000);
  });
});

describe('quantile', () => {
  it('interpolates inside the bucket holding the rank', () => {
    const h = { count: 4, sum: 0, bounds: [1, 2, 4], counts: [1, 1, 2, 0] };
    expect(quantile(h, 0.25)).toBe(1);
    expect(quantile(h, 0.5)).toBe(2);
    expect(quantile(h, 1)).toBe(4);
    expect(quantile({ ...h, count: 0, counts: [0, 0, 0, 0] }, 0.5)).toBeUndefined();
  });
});

describe('what leaves a service', () => {
  it('has every free-text span attribute, event and status message scrubbed like a log line', async () => {
    const requestId = 'c0ffee00-0000-4000-8000-000000000002';
    const secrets = ['alice.novak@contoso.onmicrosoft.com', '+1 4255550110', 'Xy7#kQ2!pLm9'];
    await inSpan('test', 'leaky', { attributes: { [SPAN_ATTR.requestId]: requestId, 'url.full': `https://graph.example/users/${secrets[0]}?phone=${encodeURIComponent(secrets[1]!)}&raw=+14255550110` } }, async (span) => {
      span.addEvent('note', { detail: `TAP is ${secrets[2]}` });
      span.setStatus({ code: 2, message: `failed for ${secrets[0]}` });
      await Promise.resolve();
    });
    await telemetry.flush();
    const exported = ((await getJson<{ bodies: string[] }>('/api/raw')).bodies).join('\n');
    expect(exported).toContain(requestId);
    for (const secret of [secrets[0]!, encodeURIComponent(secrets[1]!), secrets[1]!, '+14255550110', secrets[2]!]) expect(exported).not.toContain(secret);
  });
});
