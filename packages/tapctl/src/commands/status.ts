// `tapctl status <requestId>`: one request's ledger row and its timeline (status steps and audit
// events, oldest first), as a table or as one JSON document.

import { isAtRest, isGuid, isTerminal } from '@tapline/domain';
import type { AuditEvent, RequestRecord } from '@tapline/ledger';
import { CliError, EXIT } from '../cli-error.js';
import type { Output } from '../output.js';
import { loadStack, requireSection } from '../stack-file.js';
import { formatStep, scrubDeep, timelineHeader, timelineOf } from '../timeline.js';
import type { TimelineStep } from '../timeline.js';
import type { CliDeps, GlobalOptions } from './context.js';

export interface StatusDocument {
  readonly requestId: string;
  readonly status: string;
  readonly reasons: readonly string[];
  readonly request: RequestRecord;
  readonly audit: readonly AuditEvent[];
  readonly timeline: readonly TimelineStep[];
}

function restLabel(record: RequestRecord): string {
  if (isTerminal(record.status)) return ' (terminal)';
  if (isAtRest(record.status)) return ' (at rest: waiting for an operator)';
  return ' (in progress)';
}

function summary(record: RequestRecord): [string, string][] {
  const rows: [string, string | undefined][] = [
    ['request', `${record.requestId} (${record.referenceId})`],
    ['status', `${record.status}${restLabel(record)}`],
    ['reasons', record.reasons.length > 0 ? record.reasons.join(', ') : '-'],
    ['target', record.targetId],
    ['requestor', record.requestorId],
    ['stage', record.stage],
    ['tap id', record.tapId],
    ['tap expires', record.tapExpiresAt],
    ['channel', record.channel],
    ['attempts', String(record.attempts)],
    ['last error', record.lastError],
    ['created', record.createdAt],
    ['updated', record.updatedAt],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined);
}

export async function status(requestIdArg: string, options: GlobalOptions, deps: CliDeps, out: Output): Promise<number> {
  const requestId = requestIdArg.trim().toLowerCase();
  if (!isGuid(requestId)) {
    throw new CliError('the request id must be a GUID (the AccessPackageAssignmentRequestId that `simulate` prints)', EXIT.usage);
  }
  const loaded = await loadStack(deps.cwd, options.stack);
  const ledger = await deps.openLedger(requireSection(loaded, 'tables'));
  const found = await ledger.getRequest(requestId);
  if (!found) throw new CliError(`request ${requestId} is not in the ledger`);
  const record = scrubDeep(found);
  const audit = scrubDeep(await ledger.listAudit({ requestId }));
  const timeline = timelineOf(record, audit);

  if (out.json) {
    out.result({ requestId, status: record.status, reasons: record.reasons, request: record, audit, timeline } satisfies StatusDocument);
    return EXIT.ok;
  }
  for (const [label, value] of summary(record)) out.info(`${label.padEnd(12)}${value}`);
  out.info('');
  out.info(timelineHeader());
  for (const step of timeline) out.info(formatStep(step));
  return EXIT.ok;
}
