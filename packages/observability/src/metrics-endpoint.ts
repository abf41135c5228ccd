import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MetricsEndpoint {
  /** The bound port (the one picked, when asked for 0). */
  readonly port: number;
  close(): Promise<void>;
}

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * `GET /metrics` answered by `handler` (the OpenTelemetry Prometheus exporter's, from
 * `startTelemetry({ prometheus: true })`), on 127.0.0.1 only (metrics are for the operator on the
 * box, not the network); anything else is a 404. Port 0 picks a free one.
 */
export async function serveMetrics(handler: MetricsHandler, port: number): Promise<MetricsEndpoint> {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      handler(req, res);
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
