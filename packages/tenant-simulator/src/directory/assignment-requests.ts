/**
 * Entitlement-management assignment requests as far as `resume` cares: a request either waits
 * for a callback (a launch-and-wait custom extension fired) or does not. Tests and the local
 * stack register waiting requests through `POST /_sim/waiting-requests`; with `autoWait`, any
 * request id the simulator has never seen counts as waiting once.
 */
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
}

export class AssignmentRequests {
  private readonly byId = new Map<string, AssignmentRequest>();

  constructor(public autoWait: boolean) {}

  register(input: { id: string; stage?: string | null; customExtensionStageInstanceId?: string | null }, now: Date): AssignmentRequest {
    const request: AssignmentRequest = {
      id: input.id.toLowerCase(),
      stage: input.stage ?? null,
      customExtensionStageInstanceId: input.customExtensionStageInstanceId?.toLowerCase() ?? null,
      requestStatus: 'WaitingForCallback',
      registeredAt: now.toISOString(),
      resumedAt: null,
      resumeState: null,
    };
    this.byId.set(request.id, request);
    return request;
  }

  /** The request, registering it as waiting first when autoWait is on and it is unknown. */
  lookup(id: string, now: Date): AssignmentRequest | undefined {
    const existing = this.byId.get(id.toLowerCase());
    if (existing || !this.autoWait) return existing;
    return this.register({ id }, now);
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
