// The worker's counters (DESIGN section 9 names), kept small: plain counters with labels, exposed
// as Prometheus text on a loopback-only /metrics endpoint. OpenTelemetry export replaces the
// endpoint later; the names stay.
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Labels = Readonly<Record<string, string>>;

export interface WorkerMetrics {
  requests(): void;
  issued(): void;
  denied(reason: string): void;
  deadLettered(queue: string, reason: string): void;
  graphThrottled(): void;
  duplicate(): void;
  retriedLater(): void;
  /** Prometheus text exposition of every counter. */
  render(extra?: Readonly<Record<string, number>>): string;
  /** Current value, for tests and the bench. */
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): WorkerMetrics {
  const counters = new Map<string, { name: string; labels: Labels; value: number }>();
  const key = (name: string, labels: Labels) => `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  const inc = (name: string, labels: Labels = {}) => {
    const k = key(name, labels);
    const c = counters.get(k) ?? { name, labels, value: 0 };
    c.value += 1;
    counters.set(k, c);
  };
  return {
    requests: () => inc('tap.requests'),
    issued: () => inc('tap.issued'),
    denied: (reason) => inc('tap.denied', { reason }),
    deadLettered: (queue, reason) => inc('tap.dead_lettered', { queue, reason }),
    graphThrottled: () => inc('graph.throttled'),
    duplicate: () => inc('tap.duplicates'),
    retriedLater: () => inc('tap.retried_later'),
    value: (name, labels = {}) => counters.get(key(name, labels))?.value ?? 0,
    render(extra = {}) {
      const lines: string[] = [];
      const byName = new Map<string, string[]>();
      for (const c of counters.values()) {
        const metric = `${c.name.replace(/\./g, '_')}_total`;
        const labels = Object.entries(c.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
        byName.set(metric, [...(byName.get(metric) ?? []), `${metric}${labels ? `{${labels}}` : ''} ${c.value}`]);
      }
      for (const [metric, samples] of byName) lines.push(`# TYPE ${metric} counter`, ...samples);
      for (const [name, value] of Object.entries(extra)) lines.push(`# TYPE ${name} gauge`, `${name} ${value}`);
      return `${lines.join('\n')}\n`;
    },
  };
}

/** `GET /metrics` on 127.0.0.1 only; port 0 picks a free one (the bound port is returned). */
export async function serveMetrics(metrics: WorkerMetrics, port: number, extra: () => Record<string, number>): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render(extra()));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
