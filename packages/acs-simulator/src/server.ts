import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { AcsHttpError, defaultErrorCode } from './acs-error.js';
import { resolveConfig, type AcsSimulatorOptions } from './config.js';
import { EMAIL_API_VERSIONS, EMAIL_OPERATION_PATH, EMAIL_SEND_PATH, emailStatus, sendEmail } from './email.js';
import { verifyHmac } from './hmac.js';
import { handleSimRequest } from './sim-api.js';
import { SMS_API_VERSIONS, SMS_PATH, sendSms } from './sms.js';
import { createState, type SimulatorState } from './state.js';

export interface RunningAcsSimulator {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  port: number;
  /** `endpoint=http://127.0.0.1:<port>/;accesskey=<base64>`, for SmsClient and EmailClient. */
  connectionString: string;
  close(): Promise<void>;
}

/** ACS allows 10 MB per email request; a little more for the JSON around it. */
const MAX_BODY_BYTES = 11 * 1024 * 1024;

type AcsRoute =
  | { kind: 'sms-send'; versions: ReadonlySet<string> }
  | { kind: 'email-send'; versions: ReadonlySet<string> }
  | { kind: 'email-status'; versions: ReadonlySet<string>; operationId: string };

function matchAcsRoute(method: string, path: string): AcsRoute | undefined {
  if (method === 'POST' && path === SMS_PATH) return { kind: 'sms-send', versions: SMS_API_VERSIONS };
  if (method === 'POST' && path === EMAIL_SEND_PATH) return { kind: 'email-send', versions: EMAIL_API_VERSIONS };
  const op = method === 'GET' ? EMAIL_OPERATION_PATH.exec(path) : null;
  if (op?.[1] !== undefined) return { kind: 'email-status', versions: EMAIL_API_VERSIONS, operationId: decodeURIComponent(op[1]) };
  return undefined;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new AcsHttpError(413, 'RequestEntityTooLarge', 'The request body is too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: AcsHttpError): void {
  // ACS repeats the error code in x-ms-error-code (the SDKs read it when the body has none).
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, { ...err.headers, 'x-ms-error-code': err.code });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

async function serveAcs(state: SimulatorState, req: IncomingMessage, res: ServerResponse, url: URL, body: Buffer): Promise<void> {
  const method = req.method ?? 'GET';
  const route = matchAcsRoute(method, url.pathname);
  if (route === undefined) throw new AcsHttpError(404, 'NotFound', 'The requested resource was not found.');

  // Faults model the service misbehaving at its front door: before authentication.
  const fault = state.faults.takeRouteFault(method, url.pathname);
  if (fault?.latencyMs !== undefined) await delay(fault.latencyMs);
  if (fault?.status !== undefined) {
    const retryAfter: Record<string, string> = fault.retryAfter === undefined ? {} : { 'Retry-After': String(fault.retryAfter) };
    throw new AcsHttpError(fault.status, fault.errorCode ?? defaultErrorCode(fault.status), fault.errorMessage ?? 'Injected fault.', retryAfter);
  }

  const verdict = verifyHmac({ method, pathAndQuery: req.url ?? '/', headers: req.headers, body }, state.config.accessKeyBytes, Date.now());
  if (!verdict.ok) throw new AcsHttpError(401, 'Denied', verdict.message);

  const apiVersion = url.searchParams.get('api-version');
  if (apiVersion === null || !route.versions.has(apiVersion)) {
    throw new AcsHttpError(400, 'InvalidApiVersion', `This resource does not support the API version '${apiVersion ?? ''}'.`);
  }

  const now = Date.now();
  switch (route.kind) {
    case 'sms-send':
      // The SMS SDK accepts only 202; anything else (even 200) makes it throw.
      sendJson(res, 202, sendSms(state, body, now));
      return;
    case 'email-send': {
      const host = header(req, 'host') ?? `127.0.0.1:${state.config.port}`;
      const reply = sendEmail(state, { body, operationId: header(req, 'operation-id'), apiVersion, host }, now);
      sendJson(res, reply.status, reply.body, reply.headers);
      return;
    }
    case 'email-status': {
      const reply = emailStatus(state, route.operationId, now);
      sendJson(res, 200, reply.body, reply.headers);
      return;
    }
  }
}

async function handle(state: SimulatorState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  res.setHeader('x-ms-request-id', randomUUID());
  try {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const body = await readBody(req);
    if (url.pathname.startsWith('/_sim/')) {
      const reply = handleSimRequest(state, req.method ?? 'GET', url, body);
      if ('json' in reply) sendJson(res, reply.status, reply.json);
      else if ('html' in reply) {
        res.writeHead(reply.status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'" });
        res.end(reply.html);
      } else {
        res.writeHead(reply.status);
        res.end();
      }
      return;
    }
    await serveAcs(state, req, res, url, body);
  } catch (err) {
    if (err instanceof AcsHttpError) {
      sendError(res, err);
      return;
    }
    // A bug in the simulator: answer like a service would, and say so on stderr (no request data).
    process.stderr.write(`acs-simulator: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    if (!res.headersSent) sendError(res, new AcsHttpError(500, 'InternalServerError', 'The simulator failed unexpectedly.'));
    else res.destroy();
  }
}

/** Starts the simulator on 127.0.0.1; resolves once it is listening. */
export async function startAcsSimulator(options: AcsSimulatorOptions = {}): Promise<RunningAcsSimulator> {
  const config = resolveConfig(options);
  const state = createState(config);
  const server = createServer((req, res) => {
    void handle(state, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  config.port = port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    connectionString: `endpoint=${url}/;accesskey=${config.accessKey}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await state.outbox.flush();
    },
  };
}
