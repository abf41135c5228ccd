// The services record metrics through this: OpenTelemetry instruments made from the definitions in
// metric-names.ts (so a name, unit or description cannot drift from the list the dashboard and
// the Azure workbook read), plus a running total per series kept in the process for tests and
// benches to read back. What leaves the process is what the OpenTelemetry SDK exports.
import { metrics } from '@opentelemetry/api';
import type { Counter, Histogram, Meter, Observable } from '@opentelemetry/api';
import type { MetricDefinition } from './metric-names.js';

export type Labels = Readonly<Record<string, string>>;

/** Bucket bounds for durations in seconds (the SDK's defaults are sized for milliseconds). */
export const DURATION_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900];

export interface Recorder {
  /** The meter, taken from the global provider on first use (see createRecorder). */
  meter(): Meter;
  /** Adds `n` (default 1) to a counter. */
  add(metric: MetricDefinition, labels?: Labels, n?: number): void;
  /** Records one histogram value (seconds for durations). */
  record(metric: MetricDefinition, value: number, labels?: Labels): void;
  /**
   * Observes at each collection, one value per label set: a gauge, or for a counter definition a
   * running total kept elsewhere (an observable counter).
   */
  observe(metric: MetricDefinition, observe: () => ReadonlyArray<readonly [number, Labels?]>): void;
  /** What this process added to a counter's series (or recorded to a histogram, as a count). */
  value(metric: MetricDefinition | string, labels?: Labels): number;
}

function seriesKey(name: string, labels: Labels): string {
  return `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
}

/**
 * Instruments on the global meter provider. The meter is taken on first use, not here: the metrics
 * API hands out a no-op meter for good when asked before `startTelemetry` registered the provider,
 * and a module-level recorder (the messaging package's) is made at import, before that.
 */
export function createRecorder(meterName: string): Recorder {
  let taken: Meter | undefined;
  const meter = (): Meter => (taken ??= metrics.getMeter(meterName));
  const counters = new Map<string, Counter>();
  const histograms = new Map<string, Histogram>();
  const observables: Observable[] = [];
  const totals = new Map<string, number>();
  const bump = (name: string, labels: Labels, n: number) => {
    const key = seriesKey(name, labels);
    totals.set(key, (totals.get(key) ?? 0) + n);
  };
  return {
    meter,
    add(metric, labels = {}, n = 1) {
      let counter = counters.get(metric.name);
      if (counter === undefined) {
        counter = meter().createCounter(metric.name, { unit: metric.unit, description: metric.description });
        counters.set(metric.name, counter);
      }
      counter.add(n, labels);
      bump(metric.name, labels, n);
    },
    record(metric, value, labels = {}) {
      let histogram = histograms.get(metric.name);
      if (histogram === undefined) {
        histogram = meter().createHistogram(metric.name, {
          unit: metric.unit,
          description: metric.description,
          ...(metric.unit === 's' && { advice: { explicitBucketBoundaries: DURATION_BUCKETS_S } }),
        });
        histograms.set(metric.name, histogram);
      }
      histogram.record(value, labels);
      bump(metric.name, labels, 1);
    },
    observe(metric, observe) {
      const options = { unit: metric.unit, description: metric.description };
      const instrument = metric.kind === 'counter' ? meter().createObservableCounter(metric.name, options) : meter().createObservableGauge(metric.name, options);
      instrument.addCallback((result) => {
        for (const [value, labels] of observe()) result.observe(value, labels);
      });
      observables.push(instrument);
    },
    value: (metric, labels = {}) => totals.get(seriesKey(typeof metric === 'string' ? metric : metric.name, labels)) ?? 0,
  };
}
