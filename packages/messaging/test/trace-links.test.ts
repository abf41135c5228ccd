import { LINKED_TRACE_PROPERTY, linkedTraceProperties } from '@tapline/domain';
import { recordSpans } from '@tapline/observability/testing';
import { describe, expect, it } from 'vitest';
import { tracedProcess } from '../src/telemetry.js';

const ORIGINAL = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('a message that names an earlier trace (a re-issue)', () => {
  it('opens a new trace whose consumer span links to the earlier one', async () => {
    const spans = recordSpans();
    spans.reset();
    const properties = linkedTraceProperties({ traceparent: ORIGINAL, 'Diagnostic-Id': ORIGINAL });
    expect(properties).toEqual({ [LINKED_TRACE_PROPERTY]: ORIGINAL });
    await tracedProcess('tap-requests', properties, {}, () => Promise.resolve(undefined));
    const [span] = spans.spans();
    expect(span?.name).toBe('process tap-requests');
    expect(span?.spanContext().traceId).not.toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.parentSpanContext).toBeUndefined();
    expect(span?.links.map((l) => [l.context.traceId, l.context.spanId, l.attributes?.['tap.link']])).toEqual([['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7', 'reissue_of']]);
  });

  it('while a redelivered or replayed message, carrying the trace itself, continues it with no link', async () => {
    const spans = recordSpans();
    spans.reset();
    await tracedProcess('tap-requests', { traceparent: ORIGINAL, 'Diagnostic-Id': ORIGINAL }, {}, () => Promise.resolve(undefined));
    const [span] = spans.spans();
    expect(span?.spanContext().traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(span?.links).toEqual([]);
  });

  it('names nothing when the dead letter had no trace context, or an invalid one', () => {
    expect(linkedTraceProperties(undefined)).toEqual({});
    expect(linkedTraceProperties({ traceparent: 'not-a-traceparent' })).toEqual({});
    expect(linkedTraceProperties({ traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01' })).toEqual({});
  });
});
