import { afterAll, describe, expect, it } from 'vitest';
import { ATTR, METRICS, METRIC_NAMES, createRecorder, eventLog, serveMetrics, startTelemetry } from '@tapline/observability';
import type { MetricsEndpoint, Telemetry } from '@tapline/observability';

describe('the metric list', () => {
  it('names each metric once, with attributes from the closed ATTR set', () => {
    expect(new Set(METRIC_NAMES).size).toBe(METRIC_NAMES.length);
    const keys = new Set<string>(Object.values(ATTR));
    for (const metric of Object.values(METRICS)) {
      for (const attribute of metric.attributes) expect(keys).toContain(attribute);
      if (metric.kind === 'histogram') expect(metric.unit).toBe('s');
    }
    expect(METRIC_NAMES).toEqual(expect.arrayContaining([
      'messaging.process.duration', 'messaging.client.consumed.messages', 'tap.requests', 'tap.issued', 'tap.denied',
      'tap.delivered', 'tap.dead_lettered', 'tap.replayed', 'tap.end_to_end.duration', 'graph.throttled',
    ]));
  });
});

describe('createRecorder and the Prometheus scrape', () => {
  let endpoint: MetricsEndpoint | undefined;
  let telemetry: Telemetry | undefined;
  afterAll(async () => {
    await endpoint?.close();
    await telemetry?.shutdown();
  });

  it('keeps a running total per series (label order irrelevant) and serves the same series on GET /metrics', async () => {
    telemetry = await startTelemetry({ serviceName: 'tapline-test', env: {}, prometheus: true });
    const recorder = createRecorder('test');
    recorder.add(METRICS.issued);
    recorder.add(METRICS.denied, { reason: 'Quota' });
    recorder.add(METRICS.denied, { reason: 'Quota' });
    recorder.add(METRICS.managerNotices, { kind: 'denial', outcome: 'sent' });
    recorder.add(METRICS.managerNotices, { outcome: 'sent', kind: 'denial' });
    recorder.record(METRICS.issuanceDuration, 0.2);
    recorder.observe(METRICS.queueDepth, () => [[3, { queue: 'tap-requests' }]]);
    expect(recorder.value(METRICS.denied, { reason: 'Quota' })).toBe(2);
    expect(recorder.value('tap.denied')).toBe(0);
    expect(recorder.value('manager.notices', { kind: 'denial', outcome: 'sent' })).toBe(2);

    endpoint = await serveMetrics(telemetry.prometheusHandler!, 0);
    const text = await (await fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).text();
    expect(text).toMatch(/^tap_denied_total\{reason="Quota"\} 2/m);
    expect(text).toMatch(/^tap_issued_total 1/m);
    expect(text).toMatch(/^tap_issuance_duration_bucket\{le="0.25"\} 1/m);
    expect(text).toMatch(/^tap_queue_depth\{queue="tap-requests"\} 3/m);
    expect((await fetch(`http://127.0.0.1:${endpoint.port}/`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${endpoint.port}/metrics`, { method: 'POST' })).status).toBe(404);
  });
});

describe('eventLog', () => {
  it('writes the event name as a field and as the message, at the chosen level', () => {
    const written: Array<[string, object, string | undefined]> = [];
    const log = {
      info: (fields: object, message?: string) => written.push(['info', fields, message]),
      warn: (fields: object, message?: string) => written.push(['warn', fields, message]),
      error: (fields: object, message?: string) => written.push(['error', fields, message]),
    };
    const { info, warn, error } = eventLog<'a.started' | 'a.failed'>();
    info(log, 'a.started', { port: 1 });
    warn(log, 'a.failed');
    error(log, 'a.failed', { reason: 'X' });
    expect(written).toEqual([
      ['info', { event: 'a.started', port: 1 }, 'a.started'],
      ['warn', { event: 'a.failed' }, 'a.failed'],
      ['error', { event: 'a.failed', reason: 'X' }, 'a.failed'],
    ]);
  });
});
