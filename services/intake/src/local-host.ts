// A small stand-in for the Functions host (Core Tools cannot be installed here): serves the same
// bound route table over node:http, translating to and from the library's HttpRequest /
// HttpResponse exactly as the host hands them to the worker. It also bounds the body while it
// streams in, so an oversized upload is refused without being buffered.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type * as AzureFunctions from '@azure/functions';
import type { HttpResponseInit, HttpResponse as HttpResponseType } from '@azure/functions';
import { logEvents } from './logs.js';
import type { Logger } from './logs.js';
import { internalError, payloadTooLarge } from './http/problem.js';
import { ROUTE_PREFIX } from './routes.js';
import type { BoundRoute } from './routes.js';

export interface LocalHostOptions {
  readonly routes: readonly BoundRoute[];
  readonly port: number;
  readonly host: string;
  readonly bodyLimitBytes: number;
  readonly logger: Logger;
}

export interface LocalHost {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * After a 413 the connection closes, but not at once: a socket closed with unread upload data
 * answers with a reset, which can destroy our 413 in the client's buffers before it is read. So
 * we linger (nginx's lingering close): read and drop at most LINGER_BYTES, close after LINGER_MS.
 */
const LINGER_BYTES = 8 * 1024 * 1024;
const LINGER_MS = 2_000;

interface CompiledRoute {
  readonly route: BoundRoute;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  // Runtime classes come from the default export: the package is a CJS bundle whose named exports
  // Node's ESM loader cannot see (reference toolchain gotcha 6). Loaders that already unwrap
  // CommonJS (tsx does, in some setups) hand back the exports object itself, hence the fallback.
  const loaded = (await import('@azure/functions')) as typeof AzureFunctions & { default?: typeof AzureFunctions };
  const functions = loaded.default ?? loaded;
  const compiled = options.routes.map(compileRoute);
  const { logger } = options;
  let base = `http://${options.host}/`;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    // Our own address as the base: a hostile Host header must not make URL parsing throw.
    const url = new URL(req.url ?? '/', base);
    const match = findRoute(compiled, url.pathname, method);
    if (match === undefined) {
      req.resume();
      writePlain(res, 404, '');
      return;
    }

    let body: Buffer | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      body = await readBounded(req, options.bodyLimitBytes);
      if (body === undefined) {
        await writeResponse(res, new functions.HttpResponse(payloadTooLarge(options.bodyLimitBytes)), { close: true });
        return;
      }
    }

    const request = new functions.HttpRequest({
      method,
      url: url.toString(),
      headers: flattenHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params: match.params,
      ...(body === undefined ? {} : { body: { bytes: body } }),
    });
    const context = new functions.InvocationContext({
      invocationId: randomUUID(),
      functionName: match.route.name,
      logHandler: (level, ...args) => logger.debug({ functionName: match.route.name, level, args: args.map(String) }, 'context.log'),
    });

    let response: HttpResponseType;
    try {
      const result = await match.route.handler(request, context);
      if (!(result instanceof functions.HttpResponse) && isPlainTextResponse(result)) {
        writePlainInit(res, result);
        return;
      }
      response = result instanceof functions.HttpResponse ? result : new functions.HttpResponse(result ?? {});
    } catch (error) {
      // The Functions host answers 500 for a throwing handler; so do we, without the body.
      logger.error({ event: logEvents.handlerFailed, functionName: match.route.name, err: error }, 'handler threw');
      response = new functions.HttpResponse(internalError());
    }
    await writeResponse(res, response, { close: false });
  }

  const server = http.createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      logger.error({ event: logEvents.handlerFailed, err: error }, 'local host failed to serve a request');
      if (!res.headersSent) writePlain(res, 500, '');
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = () => (server.address() as AddressInfo).port;
  const url = `http://${options.host}:${port()}`;
  base = `${url}/`;

  return {
    url,
    port: port(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function compileRoute(route: BoundRoute): CompiledRoute {
  const paramNames: string[] = [];
  const segments = `${ROUTE_PREFIX}/${route.route}`.split('/').map((segment) => {
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
    if (param?.[1] !== undefined) {
      paramNames.push(param[1]);
      return '([^/]+)';
    }
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return { route, paramNames, pattern: new RegExp(`^/${segments.join('/')}/?$`, 'i') };
}

function findRoute(
  compiled: readonly CompiledRoute[],
  pathname: string,
  method: string,
): { route: BoundRoute; params: Record<string, string> } | undefined {
  for (const { route, pattern, paramNames } of compiled) {
    const m = pattern.exec(pathname);
    // Like the Functions host, a path served for other methods is a 404, not a 405.
    if (!m || !route.methods.includes(method as BoundRoute['methods'][number])) continue;
    const params: Record<string, string> = {};
    paramNames.forEach((name, i) => {
      params[name] = decodeURIComponent(m[i + 1] ?? '');
    });
    return { route, params };
  }
  return undefined;
}

/**
 * The body, or undefined once it passes the limit (the response is then a 413). Listeners rather
 * than `for await`: leaving an async iterator early destroys the socket before the 413 is written.
 */
function readBounded(req: IncomingMessage, limitBytes: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limitBytes) {
    lingerThenClose(req);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > limitBytes) {
        cleanup();
        lingerThenClose(req);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

/** Drop the rest of an oversized upload, within bounds, and close without a reset (see LINGER_BYTES). */
function lingerThenClose(req: IncomingMessage): void {
  const socket = req.socket;
  let dropped = 0;
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.byteLength;
    // Past the byte bound, stop reading: TCP backpressure holds the client until the timer ends
    // the connection, by which time it has read the 413 (destroying now could reset it away).
    if (dropped > LINGER_BYTES) req.pause();
  });
  req.on('end', () => socket.destroy());
  req.on('error', () => undefined);
  req.resume();
  // Node finishes a `Connection: close` response with socket.destroySoon(), which would reset a
  // socket with unread upload; half-close instead and let the bounds above end it.
  socket.destroySoon = () => {
    socket.end();
  };
}

function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function writeResponse(res: ServerResponse, response: HttpResponseType, { close }: { close: boolean }): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (response.cookies.length > 0) {
    headers['set-cookie'] = response.cookies.map((c) => `${c.name}=${c.value}`);
  }
  headers['content-length'] = String(body.byteLength);
  if (close) headers.connection = 'close';
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * The common answer (a status, plain header record and a string body) written directly: what
 * HttpResponse would produce, without the fetch Response round trip (a noticeable share of a
 * request's CPU here). Anything else goes through HttpResponse.
 */
function isPlainTextResponse(result: unknown): result is HttpResponseInit & { body?: string; headers?: Record<string, string> } {
  if (typeof result !== 'object' || result === null) return false;
  const init = result as HttpResponseInit;
  const headers = init.headers;
  return (
    init.jsonBody === undefined &&
    init.cookies === undefined &&
    init.enableContentNegotiation === undefined &&
    (init.body === undefined || typeof init.body === 'string') &&
    (headers === undefined || (typeof headers === 'object' && !Array.isArray(headers) && !(headers instanceof Headers)))
  );
}

function writePlainInit(res: ServerResponse, init: HttpResponseInit & { body?: string; headers?: Record<string, string> }): void {
  const body = init.body ?? '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  // As a fetch Response does for a string body without a content type.
  if (init.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'text/plain;charset=UTF-8';
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(init.status ?? 200, headers);
  res.end(body);
}

function writePlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
