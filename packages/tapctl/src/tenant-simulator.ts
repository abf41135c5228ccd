// What `simulate` needs from the tenant simulator, through its `/_sim/` control surface (no token
// needed, loopback only): the users (to turn a UPN into an object id), creating the access-package
// assignment request as Entra does before it calls out (the worker reads it back from Graph, and
// the notifier's `resume` answers 204 while it waits), and the relay's token.

import { isGuid, scrubSecrets } from '@tapline/domain';
import { z } from 'zod';
import { CliError } from './cli-error.js';
import { callJson } from './http.js';
import type { FetchLike, HttpAnswer } from './http.js';

const SERVICE = 'tenant simulator';

export interface ResolvedUser {
  readonly objectId: string;
  readonly displayName?: string;
  /** False when an object id was given that the simulated directory does not know. */
  readonly inDirectory: boolean;
}

const usersSchema = z.object({
  value: z.array(z.object({ id: z.string(), userPrincipalName: z.string(), displayName: z.string().optional() }).loose()),
});
type SimUser = z.infer<typeof usersSchema>['value'][number];

const relaySchema = z.object({ access_token: z.string().min(1) }).loose();

const createdSchema = z.object({
  entra: z.object({ accessPackage: z.object({ id: z.string(), displayName: z.string(), description: z.string() }).loose() }).loose(),
}).loose();

/** The request Entra creates: for the tenant's TAP access package unless another is named. */
export interface NewAssignmentRequest {
  readonly requestId: string;
  readonly requestorId: string;
  readonly targetId: string;
  readonly stage: string;
  readonly stageInstanceId: string;
  readonly requestType: string;
  readonly accessPackageId?: string;
}

export interface CreatedAssignmentRequest {
  readonly accessPackage: { readonly id: string; readonly displayName: string; readonly description: string };
}

/** Finds a user by object id, userPrincipalName or its local part (`ben.okafor`), case-insensitively. */
export function findUser(users: readonly SimUser[], ref: string): SimUser | undefined {
  const wanted = ref.trim().toLowerCase();
  return (
    users.find((u) => u.id.toLowerCase() === wanted) ??
    users.find((u) => u.userPrincipalName.toLowerCase() === wanted) ??
    users.find((u) => u.userPrincipalName.toLowerCase().split('@')[0] === wanted)
  );
}

function refused(what: string, answer: HttpAnswer): CliError {
  const message = (answer.json as { error?: { message?: unknown } } | undefined)?.error?.message;
  const detail = typeof message === 'string' ? `: ${scrubSecrets(message.slice(0, 200))}` : '';
  return new CliError(`the ${SERVICE} refused to ${what} (${answer.status})${detail}`);
}

export interface TenantSimulator {
  resolveUser(ref: string, role: 'requestor' | 'target'): Promise<ResolvedUser>;
  createAssignmentRequest(request: NewAssignmentRequest): Promise<CreatedAssignmentRequest>;
  relayToken(): Promise<string>;
}

export function tenantSimulator(baseUrl: string, fetchImpl: FetchLike): TenantSimulator {
  const url = (p: string) => new URL(p, baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`).toString();
  let users: Promise<SimUser[]> | undefined;

  async function listUsers(): Promise<SimUser[]> {
    const answer = await callJson(fetchImpl, SERVICE, url('_sim/users'), { method: 'GET' });
    if (answer.status !== 200) throw refused('list its users', answer);
    const parsed = usersSchema.safeParse(answer.json);
    if (!parsed.success) throw new CliError(`the ${SERVICE} answered GET /_sim/users with an unexpected body`);
    return parsed.data.value;
  }

  return {
    async resolveUser(ref, role) {
      users ??= listUsers();
      const found = findUser(await users, ref);
      if (found) return { objectId: found.id.toLowerCase(), ...(found.displayName !== undefined && { displayName: found.displayName }), inDirectory: true };
      // An unknown object id is still a valid call-out (Entra can name a user deleted since): the
      // worker's "not found" path is worth simulating too.
      if (isGuid(ref.trim())) return { objectId: ref.trim().toLowerCase(), inDirectory: false };
      throw new CliError(`no ${role} "${ref}" in the simulated tenant: give an object id, a UPN or its local part (e.g. ben.okafor)`);
    },

    async createAssignmentRequest(r) {
      const answer = await callJson(fetchImpl, SERVICE, url('_sim/assignment-requests'), {
        method: 'POST',
        body: {
          id: r.requestId, requestor: r.requestorId, target: r.targetId, stage: r.stage, customExtensionStageInstanceId: r.stageInstanceId,
          requestType: r.requestType, ...(r.accessPackageId !== undefined && { accessPackageId: r.accessPackageId }),
        },
      });
      if (answer.status !== 201) throw refused('create the access-package assignment request', answer);
      const parsed = createdSchema.safeParse(answer.json);
      if (!parsed.success) throw new CliError(`the ${SERVICE} answered POST /_sim/assignment-requests with an unexpected body`);
      return { accessPackage: parsed.data.entra.accessPackage };
    },

    async relayToken() {
      const answer = await callJson(fetchImpl, SERVICE, url('_sim/tokens/relay'), { method: 'POST', body: {} });
      if (answer.status !== 200) throw refused('issue a relay token', answer);
      const parsed = relaySchema.safeParse(answer.json);
      if (!parsed.success) throw new CliError(`the ${SERVICE} answered POST /_sim/tokens/relay without an access_token`);
      return parsed.data.access_token;
    },
  };
}
