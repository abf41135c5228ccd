// Submits a manager's on-behalf request exactly as `tapctl simulate` does: the access-package
// assignment request created in the tenant first (what Entra does when the manager submits it),
// then the call-out body for it from tapctl's own builder (checked against the domain's
// contract), the relay's token from the tenant simulator, a POST to the intake. Returns when the
// intake has answered 202, with that moment, so latency is measured from the accept.
// `createRequest` and `postCallout` are the two halves, for suites that play a forged call-out.
import { buildCalloutBody, newCalloutIds } from '@tapline/tapctl';
import type { CalloutIds } from '@tapline/tapctl';
import { decodeExtensionEvent } from '@tapline/domain';
import type { SimUser, TenantSim } from './simulators.js';

export interface Submitted {
  readonly requestId: string;
  readonly requestorId: string;
  readonly targetId: string;
  /** Date.now() when the intake's 202 arrived. */
  readonly acceptedAt: number;
}

export interface CreatedRequest {
  readonly ids: CalloutIds;
  readonly requestor: SimUser;
  readonly target: SimUser;
  readonly accessPackage: { readonly id: string; readonly displayName: string; readonly description: string };
}

export interface IntakeAnswer {
  readonly status: number;
  readonly acceptedAt: number;
  readonly body: { readonly requestId?: string; readonly status?: string; readonly title?: string };
}

export interface Submitter {
  submit(requestorRef: string, targetRef: string): Promise<Submitted>;
  /** Entra's half: the assignment request in the tenant (for the TAP package unless another is named). */
  createRequest(requestorRef: string, targetRef: string, options?: { accessPackageId?: string }): Promise<CreatedRequest>;
  /** The relay's half: a call-out body posted to the intake with the relay's token. */
  postCallout(body: Record<string, unknown>): Promise<IntakeAnswer>;
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

  const api: Submitter = {
    async createRequest(requestorRef, targetRef, options = {}) {
      const [requestor, target] = await Promise.all([tenant.user(requestorRef), tenant.user(targetRef)]);
      const ids = newCalloutIds();
      const created = (await post('/_sim/assignment-requests', {
        id: ids.requestId, requestor: requestor.id, target: target.id, customExtensionStageInstanceId: ids.stageInstanceId,
        ...(options.accessPackageId !== undefined && { accessPackageId: options.accessPackageId }),
      })) as { entra: { accessPackage: CreatedRequest['accessPackage'] } };
      return { ids, requestor, target, accessPackage: created.entra.accessPackage };
    },

    async postCallout(body) {
      token ??= post('/_sim/tokens/relay', {}).then((r) => (r as { access_token: string }).access_token);
      const res = await fetch(`${intakeUrl.replace(/\/+$/, '')}/api/tap-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      });
      const acceptedAt = Date.now();
      return { status: res.status, acceptedAt, body: (await res.json()) as IntakeAnswer['body'] };
    },

    async submit(requestorRef, targetRef) {
      // Before posting: the notifier may resume the request before we would get round to it.
      const { ids, requestor, target, accessPackage } = await api.createRequest(requestorRef, targetRef);
      const body = buildCalloutBody({
        ids,
        requestor: { objectId: requestor.id, displayName: requestor.displayName },
        target: { objectId: target.id, displayName: target.displayName },
        accessPackage,
      });
      const decoded = decodeExtensionEvent(body);
      if (!decoded.ok || decoded.event.kind !== 'assignmentRequest') throw new Error('the simulated call-out does not decode as an assignment request');
      const answer = await api.postCallout(body);
      if (answer.status !== 202 || answer.body.status !== 'accepted') {
        throw new Error(`the intake answered ${answer.status} ${answer.body.status ?? answer.body.title ?? ''}`.trim());
      }
      return { requestId: ids.requestId, requestorId: requestor.id, targetId: target.id, acceptedAt: answer.acceptedAt };
    },
  };
  return api;
}
