import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsEndpoint {
  /** The bound port (the one picked, when asked for 0). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * `GET /metrics` answering `render()` as Prometheus text, on 127.0.0.1 only (counters are for the
 * operator on the box, not the network); anything else is a 404. Port 0 picks a free one.
 */
export async function serveMetrics(render: () => string, port: number): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(render());
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
