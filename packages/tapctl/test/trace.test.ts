// `tapctl trace` against a real telemetry stand-in on a free port, fed an OTLP/HTTP JSON export as
// the services' exporters send it.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetryStandIn } from '@tapline/telemetry-stand-in';
import type { TelemetryStandIn } from '@tapline/telemetry-stand-in';
import { isOneReadableLine, run } from './helpers/run.js';

const REQUEST_ID = '0e60f18c-b2a0-4887-9da8-da2e30a39d99';
const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const T0 = 1_800_000_000_000;
const nanos = (ms: number) => String(BigInt(T0 + ms) * 1_000_000n);

function span(service: string, spanId: string, parentSpanId: string | undefined, name: string, startMs: number, endMs: number, error = false) {
  return {
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
    scopeSpans: [{
      scope: { name: service },
      spans: [{
        traceId: TRACE, spanId, ...(parentSpanId && { parentSpanId }), name, kind: 1,
        startTimeUnixNano: nanos(startMs), endTimeUnixNano: nanos(endMs),
        attributes: [{ key: 'tap.request_id', value: { stringValue: REQUEST_ID } }],
        status: error ? { code: 2, message: 'dead-lettered: GraphForbidden' } : { code: 0 },
      }],
    }],
  };
}

let dir: string;
let standIn: TelemetryStandIn;

beforeAll(async () => {
  standIn = await startTelemetryStandIn();
  standIn.store.addTraces(JSON.stringify({
    resourceSpans: [
      span('tapline-intake', 'a000000000000001', undefined, 'POST /api/tap-requests', 0, 12),
      span('tapline-worker', 'b000000000000002', 'a000000000000001', 'process tap-requests', 20, 320, true),
      span('tapline-worker', 'b000000000000003', 'b000000000000002', 'issue', 40, 300),
    ],
  }));
  dir = await mkdtemp(path.join(tmpdir(), 'tapctl-trace-'));
  await writeFile(path.join(dir, 'pnpm-workspace.yaml'), 'packages: []\n');
  await mkdir(path.join(dir, '.local'));
  await writeFile(path.join(dir, '.local', 'stack.json'), JSON.stringify({ telemetry: { url: standIn.url } }));
});

afterAll(async () => {
  await standIn.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tapctl trace', () => {
  it('prints the span tree: service, operation indented under its parent, start, duration, status', async () => {
    const result = await run(['trace', REQUEST_ID.toUpperCase()], { cwd: dir });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(`request ${REQUEST_ID}: trace ${TRACE}, 3 spans, 320 ms`);
    const rows = lines.slice(lines.findIndex((l) => l.startsWith('SERVICE')) + 1).filter((l) => l !== '');
    expect(rows.map((r) => r.replace(/\s+$/, ''))).toEqual([
      `${'intake'.padEnd(18)}${'POST /api/tap-requests'.padEnd(46)}${'+0 ms'.padStart(10)}${'12.0 ms'.padStart(12)}`,
      `${'worker'.padEnd(18)}${'  process tap-requests'.padEnd(46)}${'+20 ms'.padStart(10)}${'300.0 ms'.padStart(12)}  error (dead-lettered: GraphForbidden)`,
      `${'worker'.padEnd(18)}${'    issue'.padEnd(46)}${'+40 ms'.padStart(10)}${'260.0 ms'.padStart(12)}`,
    ]);
  });

  it('gives the tree as one JSON document with --json', async () => {
    const result = await run(['trace', REQUEST_ID, '--json'], { cwd: dir });
    expect(result.code).toBe(0);
    const doc = JSON.parse(result.stdout) as { traceIds: string[]; spans: { name: string; children: { name: string }[] }[] };
    expect(doc.traceIds).toEqual([TRACE]);
    expect(doc.spans[0]?.name).toBe('POST /api/tap-requests');
    expect(doc.spans[0]?.children[0]?.name).toBe('process tap-requests');
  });

  it('says so in one line when the stand-in has no span for the request, and refuses a malformed id', async () => {
    const missing = await run(['trace', '11111111-2222-4333-8444-555555555555'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(isOneReadableLine(missing.stderr)).toBe(true);
    expect(missing.stderr).toContain('no spans for request 11111111-2222-4333-8444-555555555555');
    const bad = await run(['trace', 'not-a-guid'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(isOneReadableLine(bad.stderr)).toBe(true);
  });
});
