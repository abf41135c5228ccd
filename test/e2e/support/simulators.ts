// The simulators' test surfaces (`/_sim/...`, loopback, no token) as the suites and the demo use
// them: the tenant simulator's users, TAP fingerprints, faults and resume log, and the ACS
// simulator's outbox and faults. Contacts are read through the simulator's Graph API with a test
// token, as a service would, rather than from the fixture file of another package.

export interface SimUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly managerId: string | null;
  readonly accountEnabled: boolean;
  readonly userType: string;
  readonly activeRoles: readonly string[];
  readonly eligibleRoles: readonly string[];
}

/** What `GET /_sim/users/{id}/tap` says about the user's current TAP (never the secret). */
export interface SimTap {
  readonly id: string;
  readonly sha256: string;
  readonly createdDateTime: string;
}

export interface SimFault {
  readonly id: string;
  readonly route: string;
  readonly hits?: number;
  readonly applied?: number;
}

export interface ResumeCall {
  readonly at: string;
  readonly requestId: string;
  readonly status: number;
  readonly body: { readonly data?: { readonly state?: string; readonly customExtensionStageInstanceDetail?: string } };
}

export interface Contacts {
  readonly mail: string | null;
  /** Numbers as the directory holds them (`+1 4255550110`), mobile and alternate mobile first. */
  readonly phones: readonly string[];
}

export interface OutboxEntry {
  readonly seq: number;
  readonly channel: 'sms' | 'email';
  readonly to: string;
  readonly from: string;
  readonly subject?: string;
  readonly body: string;
  readonly html?: string;
  readonly messageId: string;
  readonly time: string;
}

async function call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: T }> {
  const res = await fetch(url, {
    method,
    headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(body !== undefined && { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: (text === '' ? undefined : JSON.parse(text)) as T };
}

async function ok<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const answer = await call<T>(method, url, body, headers);
  if (answer.status >= 300) throw new Error(`${method} ${new URL(url).pathname} answered ${answer.status}`);
  return answer.json;
}

export function tenantSim(baseUrl: string) {
  const url = (p: string) => `${baseUrl.replace(/\/+$/, '')}${p}`;
  let users: Promise<SimUser[]> | undefined;
  let graphToken: Promise<string> | undefined;

  const api = {
    users: (): Promise<SimUser[]> => (users ??= ok<{ value: SimUser[] }>('GET', url('/_sim/users')).then((r) => r.value)),
    /** By object id, UPN or the UPN's local part (`alice.novak`). */
    async user(ref: string): Promise<SimUser> {
      const wanted = ref.toLowerCase();
      const found = (await api.users()).find((u) => u.id === wanted || u.userPrincipalName.toLowerCase() === wanted
        || u.userPrincipalName.toLowerCase().split('@')[0] === wanted);
      if (!found) throw new Error(`no user ${ref} in the simulated tenant`);
      return found;
    },
    async currentTap(userId: string): Promise<SimTap | null> {
      const answer = await call<SimTap>('GET', url(`/_sim/users/${encodeURIComponent(userId)}/tap`));
      if (answer.status === 404) return null;
      if (answer.status !== 200) throw new Error(`GET /_sim/users/{id}/tap answered ${answer.status}`);
      return answer.json;
    },
    addFault: (fault: Record<string, unknown>): Promise<SimFault> => ok<SimFault>('POST', url('/_sim/faults'), fault),
    faults: (): Promise<SimFault[]> => ok<{ value: SimFault[] }>('GET', url('/_sim/faults')).then((r) => r.value),
    removeFault: (id: string): Promise<unknown> => ok('DELETE', url(`/_sim/faults/${id}`)),
    clearFaults: (): Promise<unknown> => ok('DELETE', url('/_sim/faults')),
    resumeCalls: (): Promise<ResumeCall[]> => ok<{ value: ResumeCall[] }>('GET', url('/_sim/resume-calls')).then((r) => r.value),
    /** Every TAP creation Graph was asked for (any answer), from the simulator's call log. */
    tapWrites: (): Promise<Array<{ path: string; status: number }>> =>
      ok<{ value: Array<{ method: string; path: string; status: number }> }>('GET', url('/_sim/calls?kind=graph&pathContains=temporaryAccessPassMethods'))
        .then((r) => r.value.filter((c) => c.method === 'POST')),
    /** A Graph read as the worker's identity would make it: the directory's contact data. */
    async contacts(userId: string): Promise<Contacts> {
      graphToken ??= ok<{ access_token: string }>('POST', url('/_sim/tokens'), { app: 'tapline-worker', audience: 'https://graph.microsoft.com' })
        .then((r) => r.access_token);
      const auth = { authorization: `Bearer ${await graphToken}` };
      const user = await ok<{ mail: string | null; mobilePhone: string | null }>('GET', url(`/v1.0/users/${userId}?$select=mail,mobilePhone`), undefined, auth);
      const methods = await ok<{ value: { phoneNumber: string; phoneType: string }[] }>('GET', url(`/v1.0/users/${userId}/authentication/phoneMethods`), undefined, auth);
      const phones = [...methods.value.map((m) => m.phoneNumber), ...(user.mobilePhone ? [user.mobilePhone] : [])];
      return { mail: user.mail, phones: [...new Set(phones)] };
    },
  };
  return api;
}

export type TenantSim = ReturnType<typeof tenantSim>;

export function acsSim(baseUrl: string) {
  const url = (p: string) => `${baseUrl.replace(/\/+$/, '')}${p}`;
  return {
    outbox: (query: { to?: string; channel?: 'sms' | 'email' } = {}): Promise<OutboxEntry[]> => {
      const params = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined));
      const qs = params.size > 0 ? `?${params.toString()}` : '';
      return ok<{ messages: OutboxEntry[] }>('GET', url(`/_sim/outbox${qs}`)).then((r) => r.messages);
    },
    addFault: (fault: Record<string, unknown>): Promise<SimFault> => ok<SimFault>('POST', url('/_sim/faults'), fault),
    faults: (): Promise<SimFault[]> => ok<{ faults: SimFault[] }>('GET', url('/_sim/faults')).then((r) => r.faults),
    clearFaults: (): Promise<unknown> => ok('DELETE', url('/_sim/faults')),
  };
}

export type AcsSim = ReturnType<typeof acsSim>;

/** `+1 4255550110` (Graph's format) as ACS gets it: `+14255550110`. */
export function e164(phone: string): string {
  return phone.replace(/x\d+$/i, '').replace(/[^\d+]/g, '');
}
