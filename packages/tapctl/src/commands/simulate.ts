// `tapctl simulate`: plays Entra and the relay Logic App on the local stack. Resolves the users in
// the simulated tenant, creates the access-package assignment request there as Entra does (the
// worker reads it back from Graph before anything else), builds the call-out body Entra would
// send for it, checks it against the domain's contract, posts it to the intake with the relay's
// token, and with --wait follows the request in the ledger until it comes to rest.

import { decodeExtensionEvent, referenceIdFor, sameId } from '@tapline/domain';
import type { RequestStage, RequestType } from '@tapline/domain';
import { buildCalloutBody } from '../callout-body.js';
import { CliError, EXIT } from '../cli-error.js';
import { followRequest } from '../follow.js';
import { submitCallout } from '../intake.js';
import type { Output } from '../output.js';
import { loadStack, requireSection } from '../stack-file.js';
import { tenantSimulator } from '../tenant-simulator.js';
import type { ResolvedUser } from '../tenant-simulator.js';
import { formatStep, timelineHeader } from '../timeline.js';
import type { CliDeps, GlobalOptions } from './context.js';

export interface SimulateOptions extends GlobalOptions {
  readonly requestor: string;
  readonly target: string;
  readonly stage: RequestStage;
  readonly requestType: RequestType;
  readonly wait: boolean;
  /** Seconds. */
  readonly timeout: number;
}

/** The last line of stdout in JSON mode. */
export interface SimulateResult {
  readonly requestId: string;
  /** The intake's answer (`accepted`, `ignored`) without --wait; the ledger status with it. */
  readonly status: string;
  readonly reasons: readonly string[];
}

function describe(user: ResolvedUser): string {
  return user.displayName === undefined ? user.objectId : `${user.displayName} (${user.objectId})`;
}

export async function simulate(options: SimulateOptions, deps: CliDeps, out: Output): Promise<number> {
  const loaded = await loadStack(deps.cwd, options.stack);
  const intake = requireSection(loaded, 'intake');
  const tenant = requireSection(loaded, 'tenant');
  // Checked before anything is sent, so a stack without a ledger fails before it leaves a request.
  const tables = options.wait ? requireSection(loaded, 'tables') : undefined;

  const sim = tenantSimulator(tenant.url, deps.fetch);
  const requestor = await sim.resolveUser(options.requestor, 'requestor');
  const target = await sim.resolveUser(options.target, 'target');
  for (const [role, user] of [['requestor', requestor], ['target', target]] as const) {
    if (!user.inDirectory) out.warn(`${role} ${user.objectId} is not in the simulated directory; sending it anyway`);
  }

  const ids = deps.newIds();
  // Entra creates the request before it calls out; the call-out then describes that request.
  const created = await sim.createAssignmentRequest({
    requestId: ids.requestId, requestorId: requestor.objectId, targetId: target.objectId,
    stage: options.stage, stageInstanceId: ids.stageInstanceId, requestType: options.requestType,
  });
  const body = buildCalloutBody({
    ids,
    stage: options.stage,
    requestType: options.requestType,
    accessPackage: created.accessPackage,
    requestor: { objectId: requestor.objectId, ...(requestor.displayName !== undefined && { displayName: requestor.displayName }) },
    target: { objectId: target.objectId, ...(target.displayName !== undefined && { displayName: target.displayName }) },
  });
  const decoded = decodeExtensionEvent(body);
  if (!decoded.ok) throw new CliError(`the simulated call-out breaks the contract at ${decoded.error.field}: ${decoded.error.message}`);
  const event = decoded.event;
  if (event.kind !== 'assignmentRequest' || !sameId(event.requestId, ids.requestId) || !sameId(event.target.objectId, target.objectId)
    || !sameId(event.requestor.objectId, requestor.objectId)) {
    throw new CliError('the simulated call-out does not decode to the request it was built for');
  }

  const token = await sim.relayToken();

  out.info(`requestor  ${describe(requestor)}`);
  out.info(`target     ${describe(target)}`);
  out.info(`request    ${event.requestId} (${referenceIdFor(event.requestId)}), ${event.stage}, ${event.requestType}`);
  const answer = await submitCallout(deps.fetch, intake.url, token, body);
  const requestId = answer.requestId ?? event.requestId;
  out.info(`intake     202 ${answer.status}`);

  if (answer.status !== 'accepted') {
    if (options.wait) out.info('the intake does not handle this stage or request type: nothing to follow');
    out.result({ requestId, status: answer.status, reasons: [] } satisfies SimulateResult);
    return EXIT.ok;
  }
  if (!tables) {
    out.result({ requestId, status: answer.status, reasons: [] } satisfies SimulateResult);
    return EXIT.ok;
  }

  const ledger = await deps.openLedger(tables);
  out.info(`following the request in the ledger (up to ${options.timeout} s)`);
  out.info(timelineHeader());
  const followed = await followRequest({
    ledger,
    requestId,
    timeoutMs: options.timeout * 1000,
    pollMs: deps.pollMs,
    now: deps.now,
    sleep: deps.sleep,
    onStep: (step) => out.info(formatStep(step)),
  });
  const record = followed.record;
  const reasons = record?.reasons ?? [];
  if (record && followed.atRest) {
    out.info(`outcome    ${record.status}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`);
    out.result({ requestId, status: record.status, reasons } satisfies SimulateResult);
    return EXIT.ok;
  }
  const where = record ? `still ${record.status}` : 'the worker has not recorded it yet';
  const ledgerNote = followed.lastError !== undefined ? `; last ledger error: ${followed.lastError}` : '';
  out.warn(`timed out after ${options.timeout} s: ${where}${ledgerNote}`);
  out.result({ requestId, status: record?.status ?? answer.status, reasons } satisfies SimulateResult);
  return EXIT.timedOut;
}
