// Which traces are recorded. Every request's trace context always propagates (trace ids reach the
// next hop and the log lines); sampling decides only whether spans are recorded and exported.
//
// tapline's default keeps every trace up to a rate, then that rate: at most
// DEFAULT_TRACES_PER_SECOND new traces a second per process (a bucket of one second's worth,
// refilled continuously). Real traffic (a manager asking for a TAP) is far below it, so every
// request is traced; a flood (an Entra retry storm, a load test) costs the intake a bounded share
// of its throughput instead of about an eighth (docs/benchmarks.md). This is the sampler Azure
// Monitor's distro applies by default, and the same settings drive both exporters:
//   OTEL_TRACES_SAMPLER=microsoft.rate_limited  OTEL_TRACES_SAMPLER_ARG=<traces per second>
//   OTEL_TRACES_SAMPLER=always_on | parentbased_always_on    every trace
//
// Where a trace enters tapline (the intake: `edge`), the process decides for itself even when the
// caller's `traceparent` says sampled: that flag says what the caller recorded, not what tapline
// can afford. Everywhere else the decision rides in the message's `traceparent` and is followed, so
// a request's trace is recorded whole or not at all.
import { SamplingDecision } from '@opentelemetry/sdk-trace';
import { AlwaysOnSampler, ParentBasedSampler } from '@opentelemetry/sdk-trace';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace';

export const DEFAULT_TRACES_PER_SECOND = 50;

/** At most `perSecond` sampled decisions a second, with a burst of one second's worth. */
export class RateLimitedSampler implements Sampler {
  private tokens: number;
  private last: number;

  constructor(
    readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(perSecond >= 0) || !Number.isFinite(perSecond)) throw new Error(`traces per second must be a non-negative number, not ${perSecond}`);
    this.tokens = perSecond;
    this.last = now();
  }

  shouldSample(): SamplingResult {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
    if (this.tokens < 1) return { decision: SamplingDecision.NOT_RECORD };
    this.tokens -= 1;
    return { decision: SamplingDecision.RECORD_AND_SAMPLED };
  }

  toString(): string {
    return `RateLimitedSampler{${this.perSecond}/s}`;
  }
}

export interface TraceSampling {
  readonly sampler: Sampler;
  /** The same choice in Azure Monitor's distro options (its own rate-limited sampler). */
  readonly azure: { readonly samplingRatio: number; readonly tracesPerSecond: number };
  /** What was chosen, for the startup line: `every trace`, `at most 50 traces/s`. */
  readonly description: string;
}

/**
 * The sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG ask for (tapline's default when
 * unset). `edge`: this process is where traces enter tapline, so a remote parent's flag is not
 * followed. An unknown sampler name is a configuration error, reported by name.
 */
export function traceSampling(env: NodeJS.ProcessEnv, options: { edge: boolean }): TraceSampling {
  const name = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase() || 'microsoft.rate_limited';
  if (name === 'always_on' || name === 'parentbased_always_on') {
    return { sampler: new AlwaysOnSampler(), azure: { samplingRatio: 1, tracesPerSecond: 0 }, description: 'every trace' };
  }
  if (name !== 'microsoft.rate_limited') {
    throw new Error(`OTEL_TRACES_SAMPLER=${name} is not supported: use microsoft.rate_limited (with OTEL_TRACES_SAMPLER_ARG, traces per second) or always_on`);
  }
  const raw = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  const perSecond = raw === undefined || raw === '' ? DEFAULT_TRACES_PER_SECOND : Number(raw);
  if (!Number.isFinite(perSecond) || perSecond < 0) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG must be a non-negative number of traces per second with microsoft.rate_limited`);
  }
  const root = new RateLimitedSampler(perSecond);
  const sampler = new ParentBasedSampler({
    root,
    ...(options.edge && { remoteParentSampled: root, remoteParentNotSampled: root }),
  });
  // The distro reads tracesPerSecond 0 as "use samplingRatio": a rate of 0 records nothing there too.
  const azure = perSecond === 0 ? { samplingRatio: 0, tracesPerSecond: 0 } : { samplingRatio: 1, tracesPerSecond: perSecond };
  return { sampler, azure, description: `at most ${perSecond} traces/s${options.edge ? ', decided here' : ''}` };
}
