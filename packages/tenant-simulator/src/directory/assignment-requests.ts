import { randomUUID } from 'node:crypto';
import type { User } from './org.js';

/**
 * Entitlement-management access-package assignment requests, as Entra creates them before it
 * calls a custom extension: who asked, for whom, for which access package, in which state, with
 * one call-out instance per custom-extension call (its id is the call-out's
 * CustomExtensionStageInstanceId). Graph serves them at `GET .../assignmentRequests/{id}`.
 *
 * `POST /_sim/assignment-requests` creates one (what Entra does when a manager submits a request);
 * `POST /_sim/waiting-requests` only registers an id as waiting for a callback, for tests of
 * `resume` alone: such a request has no Graph view (`entra` is null) and reads as 404. With
 * `autoWait`, any request id the simulator has never seen counts as waiting once, for `resume`
 * only: reads never invent a request.
 */

/** accessPackageSubject, as Graph models a requestor or a target. */
export interface AccessPackageSubject {
  id: string;
  objectId: string;
  displayName: string;
  email: string | null;
  principalName: string;
  subjectType: 'user';
  onPremisesSecurityIdentifier: null;
}

export interface SimAccessPackage {
  id: string;
  displayName: string;
  description: string;
}

/** customExtensionCalloutInstance. */
export interface CalloutInstance {
  id: string;
  customExtensionId: string;
  detail: string | null;
  externalCorrelationId: string | null;
  status: 'calloutSent' | 'callbackReceived' | 'calloutFailed' | 'callbackTimedOut' | 'waitingForCallback';
}

/** What Graph knows of a request Entra created. */
export interface EntraRequest {
  requestType: string;
  /** accessPackageRequestState. */
  state: string;
  status: string;
  createdDateTime: string;
  requestor: AccessPackageSubject;
  assignment: { id: string; state: string; status: string; target: AccessPackageSubject };
  accessPackage: SimAccessPackage;
  customExtensionCalloutInstances: CalloutInstance[];
  /** Graph's replication lag, simulated: reads answer 404 until then. */
  visibleFrom: string;
}

export interface AssignmentRequest {
  id: string;
  /** Stage the extension paused at, e.g. assignmentRequestApproved; checked against the body when set. */
  stage: string | null;
  customExtensionStageInstanceId: string | null;
  requestStatus: 'WaitingForCallback' | 'Resumed';
  registeredAt: string;
  resumedAt: string | null;
  /** `data.state` of the resume body (denied, canceled) or null to continue. */
  resumeState: string | null;
  entra: EntraRequest | null;
}

/** What a subject is made of: a user, or (for a user deleted since) just an object id. */
export type SubjectSource = Pick<User, 'id' | 'userPrincipalName' | 'displayName' | 'mail'>;

export interface NewEntraRequest {
  id?: string;
  requestor: SubjectSource;
  target: SubjectSource;
  accessPackage: SimAccessPackage;
  requestType: string;
  stage: string;
  customExtensionStageInstanceId?: string;
  state?: string;
  visibleAfterMs?: number;
}

/** The request state a call-out at each stage finds (the illustrative payload's, platform facts 1). */
const STATE_AT_STAGE: Record<string, { request: string; status: string; assignment: string }> = {
  assignmentrequestcreated: { request: 'submitted', status: 'Accepted', assignment: 'delivering' },
  assignmentrequestapproved: { request: 'pendingApproval', status: 'PendingApproval', assignment: 'delivering' },
  assignmentrequestgranted: { request: 'delivered', status: 'Delivered', assignment: 'delivered' },
  assignmentrequestremoved: { request: 'delivered', status: 'Delivered', assignment: 'delivered' },
};

/** The one custom extension of the simulated catalog (its id is what call-out instances point at). */
export const SIM_CUSTOM_EXTENSION_ID = '5c7a1c3e-0d8b-4f6e-9a2d-7e4b1f0c9d31';

function subjectOf(user: SubjectSource): AccessPackageSubject {
  return {
    // A subject has its own id; the user's object id is `objectId`.
    id: randomUUID(),
    objectId: user.id,
    displayName: user.displayName,
    email: user.mail ?? null,
    principalName: user.userPrincipalName,
    subjectType: 'user',
    onPremisesSecurityIdentifier: null,
  };
}

export class AssignmentRequests {
  private readonly byId = new Map<string, AssignmentRequest>();

  constructor(public autoWait: boolean) {}

  /** Registers an id as waiting for a callback (resume only); keeps a Graph view it already has. */
  register(input: { id: string; stage?: string | null; customExtensionStageInstanceId?: string | null }, now: Date): AssignmentRequest {
    const id = input.id.toLowerCase();
    const request: AssignmentRequest = {
      id,
      stage: input.stage ?? null,
      customExtensionStageInstanceId: input.customExtensionStageInstanceId?.toLowerCase() ?? null,
      requestStatus: 'WaitingForCallback',
      registeredAt: now.toISOString(),
      resumedAt: null,
      resumeState: null,
      entra: this.byId.get(id)?.entra ?? null,
    };
    this.byId.set(id, request);
    return request;
  }

  /** What Entra does when a request is submitted and its extension is called at `stage`. */
  create(input: NewEntraRequest, now: Date): AssignmentRequest {
    const stageKey = input.stage.toLowerCase();
    const at = STATE_AT_STAGE[stageKey] ?? STATE_AT_STAGE.assignmentrequestapproved!;
    const instanceId = (input.customExtensionStageInstanceId ?? randomUUID()).toLowerCase();
    const request = this.register({ id: input.id ?? randomUUID(), stage: input.stage, customExtensionStageInstanceId: instanceId }, now);
    request.entra = {
      requestType: input.requestType,
      state: input.state ?? at.request,
      status: at.status,
      createdDateTime: now.toISOString(),
      requestor: subjectOf(input.requestor),
      assignment: { id: randomUUID(), state: at.assignment, status: at.assignment === 'delivered' ? 'Delivered' : 'Delivering', target: subjectOf(input.target) },
      accessPackage: { ...input.accessPackage },
      customExtensionCalloutInstances: [
        { id: instanceId, customExtensionId: SIM_CUSTOM_EXTENSION_ID, detail: null, externalCorrelationId: null, status: 'waitingForCallback' },
      ],
      visibleFrom: new Date(now.getTime() + (input.visibleAfterMs ?? 0)).toISOString(),
    };
    return request;
  }

  /** For `resume`: the request, registering it as waiting first when autoWait is on and it is unknown. */
  lookup(id: string, now: Date): AssignmentRequest | undefined {
    const existing = this.byId.get(id.toLowerCase());
    if (existing || !this.autoWait) return existing;
    return this.register({ id }, now);
  }

  /** For Graph reads: a request Entra created and that has replicated by `now`; never invented. */
  read(id: string, now: Date): (EntraRequest & { id: string }) | undefined {
    const entra = this.byId.get(id.toLowerCase())?.entra;
    if (!entra || Date.parse(entra.visibleFrom) > now.getTime()) return undefined;
    return { id: id.toLowerCase(), ...entra };
  }

  /** A resume answered the call-out: its instance received the callback; a denial ends the request. */
  resumed(request: AssignmentRequest, state: string | null): void {
    const entra = request.entra;
    if (!entra) return;
    for (const c of entra.customExtensionCalloutInstances) {
      if (c.id === request.customExtensionStageInstanceId) c.status = 'callbackReceived';
    }
    if (state === 'denied' || state === 'canceled') {
      entra.state = state;
      entra.status = state === 'denied' ? 'Denied' : 'Canceled';
    }
  }

  all(): AssignmentRequest[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
  }
}

export interface ResumeCall {
  at: string;
  version: string;
  path: string;
  requestId: string;
  appId: string;
  status: number;
  errorCode: string | null;
  body: unknown;
}
