// Handler-test wiring: the real authenticator over a local JWKS, the in-memory queue, a capturing
// logger and counting metrics, composed the way main.ts composes the real ones.
import { HttpRequest, InvocationContext } from '@azure/functions';
import type { HttpHandler, HttpResponseInit } from '@azure/functions';
import type { Logger } from '../../src/logs.js';
import { createCountingMetrics } from '../../src/metrics.js';
import type { CountingMetrics } from '../../src/metrics.js';
import type { IntakePorts, IntakeSettings } from '../../src/ports.js';
import { createInMemoryRequestQueue } from '../../src/queue/in-memory-sender.js';
import type { InMemoryRequestQueue } from '../../src/queue/in-memory-sender.js';
import type { RequestQueueSender } from '../../src/queue/request-queue.js';
import { routes } from '../../src/routes.js';
import { relayAuthenticator } from './tokens.js';
import type { TestKey } from './tokens.js';

export interface LogEntry {
  readonly level: string;
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

export function capturingLogger(entries: LogEntry[] = []): Logger & { entries: LogEntry[] } {
  const at = (level: string) => (fields: object, message?: string) => {
    entries.push({ level, fields: { ...(fields as Record<string, unknown>) }, message });
  };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}

export const DEFAULT_SETTINGS: IntakeSettings = {
  bodyLimitBytes: 64 * 1024,
  handled: { stages: ['assignmentRequestApproved', 'assignmentRequestGranted'], requestTypes: ['onBehalfAdd'] },
  retryAfterSeconds: 5,
};

export const FIXED_NOW = new Date('2026-11-25T09:30:00.000Z');

export interface HandlerFixture {
  readonly handler: HttpHandler;
  readonly queue: InMemoryRequestQueue;
  readonly logger: ReturnType<typeof capturingLogger>;
  readonly metrics: CountingMetrics;
  call(init: { body?: string | Uint8Array; headers?: Record<string, string>; method?: string }): Promise<HttpResponseInit & { status: number; text: string; json: unknown }>;
}

export function handlerFixture(key: TestKey, options: { settings?: Partial<IntakeSettings>; sender?: RequestQueueSender } = {}): HandlerFixture {
  const queue = createInMemoryRequestQueue({ clock: () => FIXED_NOW });
  const logger = capturingLogger();
  const metrics = createCountingMetrics();
  const ports: IntakePorts = {
    authenticator: relayAuthenticator(key),
    sender: options.sender ?? queue,
    logger,
    metrics,
    settings: { ...DEFAULT_SETTINGS, ...options.settings },
    clock: () => FIXED_NOW,
  };
  const route = routes.find((r) => r.name === 'tap-requests');
  if (route === undefined) throw new Error('no tap-requests route');
  const handler = route.createHandler(ports);

  return {
    handler,
    queue,
    logger,
    metrics,
    async call({ body, headers = {}, method = 'POST' }) {
      const request = new HttpRequest({
        method,
        url: 'http://localhost:7071/api/tap-requests',
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? { string: body } : { bytes: body } }),
      });
      const context = new InvocationContext({ invocationId: 'inv-1', functionName: 'tap-requests', logHandler: () => undefined });
      const response = (await handler(request, context)) as HttpResponseInit;
      const text = typeof response.body === 'string' ? response.body : '';
      let json: unknown;
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = undefined;
      }
      return { ...response, status: response.status ?? 200, text, json };
    },
  };
}

export function headerOf(response: HttpResponseInit, name: string): string | undefined {
  const headers = response.headers;
  if (headers === undefined) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  if (Array.isArray(headers)) return headers.find(([k]) => k.toLowerCase() === name)?.[1];
  return Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
}
