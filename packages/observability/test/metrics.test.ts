import { afterAll, describe, expect, it } from 'vitest';
import { createCounters, eventLog, serveMetrics, type MetricsEndpoint } from '@tapline/observability';

describe('createCounters', () => {
  it('counts per name and label set, and renders Prometheus text with gauges after the counters', () => {
    const counters = createCounters();
    counters.inc('tap.issued');
    counters.inc('tap.denied', { reason: 'Quota' });
    counters.inc('tap.denied', { reason: 'Quota' });
    counters.inc('tap.denied', { reason: 'Odd "reason"\n' });
    expect(counters.value('tap.denied', { reason: 'Quota' })).toBe(2);
    expect(counters.value('tap.denied')).toBe(0);
    expect(counters.render({ queue_depth: 3 })).toBe([
      '# TYPE tap_issued_total counter',
      'tap_issued_total 1',
      '# TYPE tap_denied_total counter',
      'tap_denied_total{reason="Quota"} 2',
      'tap_denied_total{reason="Odd _reason__"} 1',
      '# TYPE queue_depth gauge',
      'queue_depth 3',
      '',
    ].join('\n'));
  });

  it('treats label order as irrelevant', () => {
    const counters = createCounters();
    counters.inc('x', { a: '1', b: '2' });
    counters.inc('x', { b: '2', a: '1' });
    expect(counters.value('x', { a: '1', b: '2' })).toBe(2);
  });
});

describe('serveMetrics', () => {
  let endpoint: MetricsEndpoint | undefined;
  afterAll(async () => {
    await endpoint?.close();
  });

  it('answers GET /metrics on loopback with the current rendering, and 404 elsewhere', async () => {
    let calls = 0;
    endpoint = await serveMetrics(() => `calls ${++calls}\n`, 0);
    expect(endpoint.port).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${endpoint.port}/metrics`);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await res.text()).toBe('calls 1\n');
    expect(await (await fetch(`http://127.0.0.1:${endpoint.port}/metrics`)).text()).toBe('calls 2\n');
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
