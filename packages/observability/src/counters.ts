// Plain counters with labels, rendered as Prometheus text. Kept small on purpose: OpenTelemetry
// export replaces the text endpoint later, and the counter names stay. Each service wraps this in
// its own typed metrics interface, so label values come from closed sets it controls.

export type Labels = Readonly<Record<string, string>>;

export interface Counters {
  /** Adds one to the counter `name` with these labels. */
  readonly inc: (name: string, labels?: Labels) => void;
  /** Current value, for tests and benches. */
  readonly value: (name: string, labels?: Labels) => number;
  /**
   * Prometheus text exposition: every counter as `<name with . as _>_total{labels}`, then the
   * given gauges as they are.
   */
  readonly render: (gauges?: Readonly<Record<string, number>>) => string;
}

export function createCounters(): Counters {
  const counters = new Map<string, { name: string; labels: Labels; value: number }>();
  const key = (name: string, labels: Labels): string => `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  return {
    inc(name, labels = {}) {
      const k = key(name, labels);
      const c = counters.get(k) ?? { name, labels, value: 0 };
      c.value += 1;
      counters.set(k, c);
    },
    value: (name, labels = {}) => counters.get(key(name, labels))?.value ?? 0,
    render(gauges = {}) {
      const lines: string[] = [];
      const byName = new Map<string, string[]>();
      for (const c of counters.values()) {
        const metric = `${c.name.replace(/\./g, '_')}_total`;
        const labels = Object.entries(c.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
        byName.set(metric, [...(byName.get(metric) ?? []), `${metric}${labels ? `{${labels}}` : ''} ${c.value}`]);
      }
      for (const [metric, samples] of byName) lines.push(`# TYPE ${metric} counter`, ...samples);
      for (const [name, value] of Object.entries(gauges)) lines.push(`# TYPE ${name} gauge`, `${name} ${value}`);
      return `${lines.join('\n')}\n`;
    },
  };
}
