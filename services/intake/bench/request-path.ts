// `pnpm --filter @tapline/intake bench:request-path`: the time and the heap allocation of each
// piece of an accepted request's path in this process (no HTTP, no broker: the in-memory queue),
// and of the whole handler. Allocation per call is steady whatever else the machine is doing, so
// it is the figure to compare before and after a change; the time is indicative only. Run with
// --expose-gc and a young generation large enough that no scavenge happens during a measurement
// (the package script does), so the heap delta is what the calls allocated.
import * as functions from '@azure/functions';
import type * as AzureFunctions from '@azure/functions';
import { openSync, writeSync } from 'node:fs';
import { decodeExtensionEvent } from '@tapline/domain';
import { createLogger } from '@tapline/observability';
import { readJsonBody } from '../src/http/json-body.js';
import { createTapRequestHandler } from '../src/http/tap-request-handler.js';
import { createCountingMetrics } from '../src/metrics.js';
import { createInMemoryRequestQueue } from '../src/queue/in-memory-sender.js';
import { toOutgoingRequest } from '../src/queue/tap-request-message.js';
import { contextProperties } from '@tapline/observability';
import { callout } from '../test/helpers/callouts.js';
import { RELAY_APP_ID, newKey, relayAuthenticator, relayClaims, sign } from '../test/helpers/tokens.js';

// The package is CommonJS: under plain Node its classes are on the default export (toolchain gotcha 6).
const { HttpRequest, InvocationContext } = (functions as unknown as { default?: typeof AzureFunctions }).default ?? functions;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with --expose-gc (pnpm --filter @tapline/intake bench:request-path)');

const CALLS = 4_000;
const WARMUP = 500;

async function measure(name: string, call: (i: number) => unknown): Promise<void> {
  for (let i = 0; i < WARMUP; i++) await call(i % CALLS);
  gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) await call(i);
  const us = ((performance.now() - started) * 1000) / CALLS;
  const kib = (process.memoryUsage().heapUsed - heapBefore) / CALLS / 1024;
  process.stdout.write(`${name.padEnd(30)} ${us.toFixed(1).padStart(7)} us ${kib.toFixed(1).padStart(7)} KiB\n`);
}

const key = await newKey();
const token = await sign(key, relayClaims());
const bodies = Array.from({ length: CALLS }, () => JSON.stringify(callout()));
const bytes = bodies.map((b) => Buffer.from(b));
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', host: '127.0.0.1:7071', 'content-length': String(bytes[0]?.byteLength ?? 0) };
const request = (i: number) =>
  new HttpRequest({ method: 'POST', url: 'http://127.0.0.1:7071/api/tap-requests', headers, query: {}, params: {}, body: { bytes: bytes[i] ?? Buffer.alloc(0) } });
const context = () => new InvocationContext({ invocationId: 'bench', functionName: 'tap-requests', logHandler: () => undefined });

// With the verified-token cache, as main.ts configures it.
const authenticator = relayAuthenticator(key, { maxEntries: 16, ttlMs: 600_000 });
// A real file write per line, as the local host's log (to /dev/null, so nothing accumulates).
const devNull = openSync('/dev/null', 'w');
const logger = createLogger({ name: 'intake', level: 'info', destination: { write: (line: string) => void writeSync(devNull, line) } });
const queue = createInMemoryRequestQueue();
const handler = createTapRequestHandler({
  authenticator,
  sender: queue,
  logger,
  metrics: createCountingMetrics(),
  settings: { bodyLimitBytes: 64 * 1024, handled: { stages: ['assignmentRequestApproved', 'assignmentRequestGranted'], requestTypes: ['onBehalfAdd'] }, retryAfterSeconds: 5 },
  clock: () => new Date(),
});

const parsed = bodies.map((b) => JSON.parse(b) as unknown);
const events = parsed.map((p) => {
  const decoded = decodeExtensionEvent(p);
  if (!decoded.ok || decoded.event.kind !== 'assignmentRequest') throw new Error('the bench call-out does not decode');
  return decoded.event;
});

const eventAt = (i: number) => {
  const event = events[i];
  if (event === undefined) throw new Error(`no call-out ${i}`);
  return event;
};

await measure('new HttpRequest', request);
await measure('HttpRequest + readJsonBody', (i) => readJsonBody(request(i), 64 * 1024));
await measure('InvocationContext', context);
await measure('authenticate (cached token)', () => authenticator.authenticate(`Bearer ${token}`));
await measure('JSON.parse', (i) => JSON.parse(bodies[i] ?? ''));
await measure('decodeExtensionEvent', (i) => decodeExtensionEvent(parsed[i]));
await measure('toOutgoingRequest', (i) => toOutgoingRequest(eventAt(i), { receivedAt: new Date(), trace: contextProperties() }));
await measure('logger.info (one request line)', (i) =>
  logger.info({ invocationId: 'bench', callerAppId: RELAY_APP_ID, requestId: 'r', stageInstanceId: 's', traceId: 't', event: 'intake.request.accepted', stage: 'assignmentRequestApproved', durationMs: i }, 'request accepted'),
);
await measure('whole handler', async (i) => {
  await handler(request(i), context());
  if (i % 100 === 0) queue.drain();
});
