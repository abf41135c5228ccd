import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import type { Sampler } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACES_PER_SECOND, RateLimitedSampler, traceSampling } from '../src/sampling.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const decide = (sampler: Sampler, context = ROOT_CONTEXT) =>
  sampler.shouldSample(context, TRACE_ID, 'POST /api/tap-requests', SpanKind.SERVER, {}, []).decision;

/** A context whose parent came from another process (a caller's or a message's traceparent). */
function remoteParent(sampled: boolean) {
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: '00f067aa0ba902b7', traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
}

describe('RateLimitedSampler', () => {
  it('samples a second\'s worth at once, then one per 1/rate seconds as time passes', () => {
    let now = 0;
    const sampler = new RateLimitedSampler(3, () => now);
    expect([1, 2, 3, 4].map(() => decide(sampler))).toEqual([
      SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.RECORD_AND_SAMPLED, SamplingDecision.NOT_RECORD,
    ]);
    now = 200; // 0.6 of a trace refilled
    expect(decide(sampler)).toBe(SamplingDecision.NOT_RECORD);
    now = 340; // 1.02
    expect(decide(sampler)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    now = 60_000; // a long quiet spell refills one second's worth, not more
    expect([1, 2, 3, 4].map(() => decide(sampler)).filter((d) => d === SamplingDecision.RECORD_AND_SAMPLED)).toHaveLength(3);
  });

  it('keeps at most its rate under a flood', () => {
    let now = 0;
    const sampler = new RateLimitedSampler(50, () => now);
    let sampled = 0;
    for (let i = 0; i < 10_000; i++) {
      now = i; // 1,000 a second for 10 s
      if (decide(sampler) === SamplingDecision.RECORD_AND_SAMPLED) sampled++;
    }
    expect(sampled).toBeGreaterThanOrEqual(50 * 10);
    expect(sampled).toBeLessThanOrEqual(50 * 10 + 50);
  });

  it('refuses a rate that is not a non-negative number', () => {
    expect(() => new RateLimitedSampler(-1)).toThrow(/non-negative/);
    expect(() => new RateLimitedSampler(Number.NaN)).toThrow(/non-negative/);
  });
});

describe('traceSampling', () => {
  it('defaults to the rate limit, and follows the message\'s decision away from the edge', () => {
    const inner = traceSampling({}, { edge: false });
    expect(inner.description).toBe(`at most ${DEFAULT_TRACES_PER_SECOND} traces/s`);
    expect(inner.azure).toEqual({ samplingRatio: 1, tracesPerSecond: DEFAULT_TRACES_PER_SECOND });
    expect(decide(inner.sampler, remoteParent(false))).toBe(SamplingDecision.NOT_RECORD);
    for (let i = 0; i < DEFAULT_TRACES_PER_SECOND * 3; i++) expect(decide(inner.sampler, remoteParent(true))).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('at the edge decides for itself whatever the caller\'s flag says', () => {
    const edge = traceSampling({ OTEL_TRACES_SAMPLER: 'microsoft.rate_limited', OTEL_TRACES_SAMPLER_ARG: '2' }, { edge: true });
    expect(decide(edge.sampler, remoteParent(false))).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(edge.sampler, remoteParent(true))).toBe(SamplingDecision.RECORD_AND_SAMPLED);
    expect(decide(edge.sampler, remoteParent(true))).toBe(SamplingDecision.NOT_RECORD);
  });

  it('keeps every trace when asked, in both exporters', () => {
    const all = traceSampling({ OTEL_TRACES_SAMPLER: 'always_on' }, { edge: true });
    expect(all.description).toBe('every trace');
    expect(all.azure).toEqual({ samplingRatio: 1, tracesPerSecond: 0 });
    for (let i = 0; i < 1_000; i++) expect(decide(all.sampler)).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });

  it('a rate of 0 records nothing, in Azure Monitor too', () => {
    const none = traceSampling({ OTEL_TRACES_SAMPLER_ARG: '0' }, { edge: false });
    expect(decide(none.sampler)).toBe(SamplingDecision.NOT_RECORD);
    expect(none.azure).toEqual({ samplingRatio: 0, tracesPerSecond: 0 });
  });

  it('names the setting when it is not understood', () => {
    expect(() => traceSampling({ OTEL_TRACES_SAMPLER: 'jaeger_remote' }, { edge: false })).toThrow(/OTEL_TRACES_SAMPLER=jaeger_remote is not supported/);
    expect(() => traceSampling({ OTEL_TRACES_SAMPLER_ARG: 'lots' }, { edge: false })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
  });
});
