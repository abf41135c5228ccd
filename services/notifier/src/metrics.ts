// The notifier's counters (DESIGN section 9 names where it gives them), as Prometheus text on a
// loopback-only /metrics endpoint; OpenTelemetry export replaces the endpoint later, the names
// stay. Labels are closed sets (channels, reasons, outcomes): never an id or a contact.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

type Labels = Readonly<Record<string, string>>;

export type ResumeMetric = 'continued' | 'denied' | 'fell-back' | 'failed';
export type NoticeMetric = 'sent' | 'skipped' | 'failed' | 'deferred';

export interface NotifierMetrics {
  delivered(channel: string): void;
  sendRejected(channel: string): void;
  superseded(): void;
  deadLettered(queue: string, reason: string): void;
  retriedLater(): void;
  providerThrottled(provider: string): void;
  resumed(outcome: ResumeMetric): void;
  managerNotice(kind: 'confirmation' | 'denial', outcome: NoticeMetric): void;
  /** The precise denial reasons (security dashboards), never shown to the manager. */
  denialReported(reason: string): void;
  render(): string;
  value(name: string, labels?: Labels): number;
}

export function createMetrics(): NotifierMetrics {
  const counters = new Map<string, { name: string; labels: Labels; value: number }>();
  const key = (name: string, labels: Labels): string => `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  const inc = (name: string, labels: Labels = {}): void => {
    const k = key(name, labels);
    const c = counters.get(k) ?? { name, labels, value: 0 };
    c.value += 1;
    counters.set(k, c);
  };
  return {
    delivered: (channel) => inc('tap.delivered', { channel }),
    sendRejected: (channel) => inc('tap.send_rejected', { channel }),
    superseded: () => inc('tap.superseded'),
    deadLettered: (queue, reason) => inc('tap.dead_lettered', { queue, reason }),
    retriedLater: () => inc('tap.retried_later'),
    providerThrottled: (provider) => inc('provider.throttled', { provider }),
    resumed: (outcome) => inc('entra.resumed', { outcome }),
    managerNotice: (kind, outcome) => inc('manager.notices', { kind, outcome }),
    denialReported: (reason) => inc('tap.denial_reported', { reason }),
    value: (name, labels = {}) => counters.get(key(name, labels))?.value ?? 0,
    render() {
      const byName = new Map<string, string[]>();
      for (const c of counters.values()) {
        const metric = `${c.name.replace(/\./g, '_')}_total`;
        const labels = Object.entries(c.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, '_')}"`).join(',');
        byName.set(metric, [...(byName.get(metric) ?? []), `${metric}${labels ? `{${labels}}` : ''} ${c.value}`]);
      }
      const lines: string[] = [];
      for (const [metric, samples] of byName) lines.push(`# TYPE ${metric} counter`, ...samples);
      return `${lines.join('\n')}\n`;
    },
  };
}

/** `GET /metrics` on 127.0.0.1 only; port 0 picks a free one (the bound port is returned). */
export async function serveMetrics(metrics: NotifierMetrics, port: number): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(metrics.render());
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
