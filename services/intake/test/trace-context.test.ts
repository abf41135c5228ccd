import { describe, expect, it } from 'vitest';
import { continueTrace, parseTraceparent } from '../src/trace-context.js';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context', () => {
  it('continues an incoming trace: same trace id and flags, a new span id for this hop', () => {
    const trace = continueTrace(PARENT, 'congo=t61rcWkgMzE');
    expect(trace.traceparent).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
    expect(trace.spanId).not.toBe('00f067aa0ba902b7');
    expect(trace.tracestate).toBe('congo=t61rcWkgMzE');
  });

  it('starts a sampled trace when there is no parent', () => {
    const a = continueTrace(null, null);
    const b = continueTrace(null, null);
    expect(a.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.tracestate).toBeUndefined();
  });

  it.each([
    ['garbage', 'hello'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${PARENT}-extra`],
  ])('ignores a malformed traceparent (%s) and its tracestate', (_name, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
    const trace = continueTrace(header, 'a=b');
    expect(trace.traceparent).not.toContain('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(trace.tracestate).toBeUndefined();
  });

  it('accepts a future version with extra fields (forward compatibility)', () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future`)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
  });
});
