// The stand-in's HTTP server on 127.0.0.1: OTLP/HTTP receivers, the dashboard page and its
// bundled chart library, and a small JSON API (summary, a request's trace, raw exports).
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { dashboardPage } from './dashboard-page.js';
import { TelemetryStore } from './store.js';
import { TRACKED, summarise } from './summary.js';
import { traceTree } from './trace-tree.js';

export interface StandInOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** How often the dashboard page fetches the summary (default 2000 ms). */
  readonly refreshMs?: number;
}

export interface TelemetryStandIn {
  readonly url: string;
  readonly store: TelemetryStore;
  close(): Promise<void>;
}

const BODY_LIMIT = 16 * 1024 * 1024;
const require = createRequire(import.meta.url);

/** Chart.js's UMD bundle from node_modules, served locally (the page works offline). */
function chartBundle(): Buffer {
  return readFileSync(path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js'));
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new HttpError(413, `body larger than ${BODY_LIMIT} bytes`);
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks);
  return (req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(text);
}

export async function startTelemetryStandIn(options: StandInOptions = {}): Promise<TelemetryStandIn> {
  const store = new TelemetryStore(TRACKED);
  const chart = chartBundle();
  const page = dashboardPage({ refreshMs: options.refreshMs ?? 2_000 });

  async function receive(req: IncomingMessage, res: ServerResponse, add: (text: string) => number): Promise<void> {
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      throw new HttpError(415, 'this stand-in accepts OTLP/HTTP with JSON bodies (OTEL_EXPORTER_OTLP_PROTOCOL=http/json), not protobuf');
    }
    const text = await readBody(req);
    try {
      add(text);
    } catch {
      throw new HttpError(400, 'the body is not OTLP JSON');
    }
    send(res, 200, { partialSuccess: {} });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (req.method === 'POST' && url.pathname === '/v1/traces') return receive(req, res, (t) => store.addTraces(t));
    if (req.method === 'POST' && url.pathname === '/v1/metrics') return receive(req, res, (t) => store.addMetrics(t));
    if (req.method !== 'GET') throw new HttpError(405, 'method not allowed');
    if (url.pathname === '/' || url.pathname === '/dashboard') return send(res, 200, page, 'text/html; charset=utf-8');
    if (url.pathname === '/assets/chart.umd.min.js') return send(res, 200, chart, 'text/javascript; charset=utf-8');
    if (url.pathname === '/health') return send(res, 200, { status: 'ok', spansReceived: store.spansReceived() });
    if (url.pathname === '/api/summary') return send(res, 200, summarise(store));
    if (url.pathname === '/api/raw') return send(res, 200, { bodies: store.rawBodies() });
    if (parts[0] === 'api' && parts[1] === 'requests' && parts[2] !== undefined && parts[3] === 'trace' && parts.length === 4) {
      const traceIds = store.tracesOfRequest(parts[2]);
      return send(res, 200, { requestId: parts[2], traceIds, spans: traceTree(traceIds.flatMap((t) => store.trace(t))) });
    }
    if (parts[0] === 'api' && parts[1] === 'traces' && parts[2] !== undefined && parts.length === 3) {
      return send(res, 200, { traceId: parts[2], spans: traceTree(store.trace(parts[2])) });
    }
    throw new HttpError(404, 'not found');
  }

  const server: Server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (!res.headersSent) send(res, status, { error: err instanceof Error ? err.message : 'failed' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
