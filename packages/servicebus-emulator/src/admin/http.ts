import http from 'node:http';
import type net from 'node:net';
import type { AmqpCounters } from '../amqp/server.js';
import type { Namespace } from '../queue/namespace.js';
import type { JournalStats } from '../store/journal.js';
import type { QueueCounts } from '../queue/queue.js';

export interface AdminServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Inspection over HTTP, bound to 127.0.0.1 only (purge is destructive):
 *   GET  /health                 -> {"status":"ok"}
 *   GET  /queues                 -> {"queues":{"<name>":{active,scheduled,deferred,deadLettered,locked}}}
 *   GET  /queues/<name>          -> {active,scheduled,deferred,deadLettered,locked}
 *   POST /queues/<name>/purge    -> {"purged":<n>}   (tests only)
 *   GET  /stats                  -> CPU time, memory, AMQP and journal totals (benchmarks, tests)
 */
export interface AdminSources {
  amqp: () => AmqpCounters;
  /** Absent without --data-dir. */
  journal?: () => JournalStats;
}

export async function startAdminServer(port: number, namespace: Namespace, sources: AdminSources): Promise<AdminServer> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://admin');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/health') return send(200, { status: 'ok' });
    if (req.method === 'GET' && url.pathname === '/stats') return send(200, { ...stats(), amqp: sources.amqp(), journal: sources.journal?.() ?? null });
    if (parts[0] === 'queues') {
      if (parts.length === 1 && req.method === 'GET') {
        const queues: Record<string, QueueCounts> = {};
        for (const queue of namespace.queues()) queues[queue.name] = queue.counts();
        return send(200, { queues });
      }
      const queue = parts[1] === undefined ? undefined : namespace.queue(parts[1]);
      if (!queue) return send(404, { error: `no queue '${parts[1] ?? ''}' in the topology` });
      if (parts.length === 2 && req.method === 'GET') return send(200, queue.counts());
      if (parts.length === 3 && parts[2] === 'purge' && req.method === 'POST') return send(200, { purged: queue.purge() });
    }
    send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function stats(): Record<string, unknown> {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    pid: process.pid,
    uptimeMs: Math.round(process.uptime() * 1000),
    cpu: { userMicros: cpu.user, systemMicros: cpu.system },
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
  };
}
