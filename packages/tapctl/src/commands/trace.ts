// `tapctl trace <requestId>`: the request's spans as a tree (service, operation, start offset,
// duration, status), read from the telemetry stand-in of the local stack; `--json` for the tree.

import { isGuid } from '@tapline/domain';
import { callJson } from '../http.js';
import { CliError, EXIT } from '../cli-error.js';
import type { Output } from '../output.js';
import { loadStack, requireSection } from '../stack-file.js';
import { scrubDeep } from '../timeline.js';
import type { CliDeps, GlobalOptions } from './context.js';

/** One span as the stand-in serves it (a subset; the rest is passed through in --json). */
export interface SpanNode {
  readonly traceId: string;
  readonly service: string;
  readonly name: string;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly status: 'ok' | 'error' | 'unset';
  readonly statusMessage?: string;
  /**
   * Spans this one links to: the Azure SDK's receive spans link the messages they received, and a
   * re-issue's first span links the trace it re-issues (`tap.link: reissue_of`).
   */
  readonly links?: readonly { readonly traceId: string; readonly attributes?: Readonly<Record<string, unknown>> }[];
  readonly children: readonly SpanNode[];
}

export interface TraceDocument {
  readonly requestId: string;
  readonly traceIds: readonly string[];
  readonly spans: readonly SpanNode[];
}

const MAX_DEPTH = 32;

function flatten(nodes: readonly SpanNode[], depth = 0): { node: SpanNode; depth: number }[] {
  if (depth > MAX_DEPTH) return [];
  return nodes.flatMap((node) => [{ node, depth }, ...flatten(node.children, depth + 1)]);
}

/** The first line of a status message, at most 60 characters (the Azure SDKs put whole error bodies there). */
function shortened(message: string): string {
  const line = message.split('\n')[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
}

function isTraceDocument(value: unknown): value is TraceDocument {
  const v = value as Partial<TraceDocument> | undefined;
  return Array.isArray(v?.traceIds) && Array.isArray(v.spans);
}

export async function trace(requestIdArg: string, options: GlobalOptions, deps: CliDeps, out: Output): Promise<number> {
  const requestId = requestIdArg.trim().toLowerCase();
  if (!isGuid(requestId)) {
    throw new CliError('the request id must be a GUID (the AccessPackageAssignmentRequestId that `simulate` prints)', EXIT.usage);
  }
  const loaded = await loadStack(deps.cwd, options.stack);
  const { url } = requireSection(loaded, 'telemetry');
  const answer = await callJson(deps.fetch, 'telemetry stand-in', `${url}/api/requests/${requestId}/trace`, { method: 'GET' });
  if (answer.status !== 200 || !isTraceDocument(answer.json)) {
    throw new CliError(`the telemetry stand-in answered ${answer.status} for request ${requestId}`);
  }
  const doc = scrubDeep(answer.json);
  if (doc.spans.length === 0) {
    throw new CliError(`no spans for request ${requestId} yet: spans reach the stand-in within a second or so of each step (is the request id right, and telemetry on?)`);
  }
  if (out.json) {
    out.result(doc satisfies TraceDocument);
    return EXIT.ok;
  }
  const rows = flatten(doc.spans);
  const start = Math.min(...rows.map((r) => Date.parse(r.node.startedAt)));
  const end = Math.max(...rows.map((r) => Date.parse(r.node.startedAt) + r.node.durationMs));
  out.info(`request ${requestId}: ${doc.traceIds.length === 1 ? `trace ${doc.traceIds[0]}` : `${doc.traceIds.length} traces (${doc.traceIds.join(', ')})`}, ${rows.length} spans, ${Math.round(end - start)} ms`);
  out.info('');
  out.info(`${'SERVICE'.padEnd(18)}${'OPERATION'.padEnd(46)}${'START'.padStart(10)}${'DURATION'.padStart(12)}  STATUS`);
  for (const { node, depth } of rows) {
    const operation = `${'  '.repeat(depth)}${node.name}`;
    const offset = `+${Math.round(Date.parse(node.startedAt) - start)} ms`;
    const status = node.status === 'error' ? `error${node.statusMessage !== undefined ? ` (${shortened(node.statusMessage)})` : ''}` : node.status === 'ok' ? 'ok' : '';
    out.info(`${node.service.replace(/^tapline-/, '').padEnd(18)}${operation.padEnd(46)}${offset.padStart(10)}${`${node.durationMs.toFixed(1)} ms`.padStart(12)}  ${status}`);
    for (const link of node.links ?? []) {
      if (link.attributes?.['tap.link'] === 'reissue_of') out.info(`${''.padEnd(18)}${'  '.repeat(depth + 1)}re-issues trace ${link.traceId}`);
    }
  }
  return EXIT.ok;
}
