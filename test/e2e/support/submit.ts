// Submits a manager's on-behalf request exactly as `tapctl simulate` does: the call-out body from
// tapctl's own builder (checked against the domain's contract), the request registered as waiting
// for a callback, the relay's token from the tenant simulator, a POST to the intake. Returns when
// the intake has answered 202, with that moment, so latency is measured from the accept.
import { buildCalloutBody, newCalloutIds } from '@tapline/tapctl';
import { decodeExtensionEvent } from '@tapline/domain';
import type { TenantSim } from './simulators.js';

export interface Submitted {
  readonly requestId: string;
  readonly requestorId: string;
  readonly targetId: string;
  /** Date.now() when the intake's 202 arrived. */
  readonly acceptedAt: number;
}

export interface Submitter {
  submit(requestorRef: string, targetRef: string): Promise<Submitted>;
}

/** The relay token is fetched once and reused, as the relay's managed identity would. */
export function submitter(intakeUrl: string, tenant: TenantSim, tenantUrl: string): Submitter {
  const sim = (p: string) => `${tenantUrl.replace(/\/+$/, '')}${p}`;
  let token: Promise<string> | undefined;

  async function post(path: string, body: unknown): Promise<unknown> {
    const res = await fetch(sim(path), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000),
    });
    if (res.status >= 300) throw new Error(`POST ${path} answered ${res.status}`);
    return res.json();
  }

  return {
    async submit(requestorRef, targetRef) {
      const [requestor, target] = await Promise.all([tenant.user(requestorRef), tenant.user(targetRef)]);
      const ids = newCalloutIds();
      const body = buildCalloutBody({
        ids,
        requestor: { objectId: requestor.id, displayName: requestor.displayName },
        target: { objectId: target.id, displayName: target.displayName },
      });
      const decoded = decodeExtensionEvent(body);
      if (!decoded.ok || decoded.event.kind !== 'assignmentRequest') throw new Error('the simulated call-out does not decode as an assignment request');
      const { stage, stageInstanceId } = decoded.event;
      // Before posting: the notifier may resume the request before we would get round to it.
      await post('/_sim/waiting-requests', { id: ids.requestId, stage, customExtensionStageInstanceId: stageInstanceId });
      token ??= post('/_sim/tokens/relay', {}).then((r) => (r as { access_token: string }).access_token);
      const res = await fetch(`${intakeUrl.replace(/\/+$/, '')}/api/tap-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const acceptedAt = Date.now();
      const answer = (await res.json()) as { requestId?: string; status?: string; title?: string };
      if (res.status !== 202 || answer.status !== 'accepted') {
        throw new Error(`the intake answered ${res.status} ${answer.status ?? answer.title ?? ''}`.trim());
      }
      return { requestId: ids.requestId, requestorId: requestor.id, targetId: target.id, acceptedAt };
    },
  };
}
