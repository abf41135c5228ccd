import type { ServerResponse } from 'node:http';
import { actorOf, type User } from '../directory/org.js';
import { usability } from '../directory/tap-store.js';
import { FaultSpecError, type FaultSpec } from '../faults.js';
import { parseJson, sendEmpty, sendJson } from '../http-io.js';
import { mintTestToken, TestTokenError } from '../identity/test-tokens.js';
import type { SimulatorState } from '../state.js';
import type { ThrottleSettings } from '../throttle.js';

export interface SimApiContext {
  state: SimulatorState;
  info: () => Record<string, unknown>;
  managedIdentityTokenLifetimeSeconds: number;
}

type Reply = { status: number; body?: unknown };

const problem = (status: number, message: string): Reply => ({ status, body: { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } } });

/**
 * The simulator's own control surface, under `/_sim/` only (README "/_sim/ API"): fault
 * injection, inspection without secrets, org mutations for tests, token minting, throttle and
 * policy settings, reset. It needs no token: loopback-only test tooling.
 */
export async function handleSimRequest(ctx: SimApiContext, method: string, segments: string[], url: URL, rawBody: string, res: ServerResponse): Promise<void> {
  const body = parseJson(rawBody);
  let reply: Reply;
  if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) reply = problem(400, 'body must be a JSON object');
  else {
    try {
      reply = await dispatch(ctx, method, segments, url, body as Record<string, unknown>);
    } catch (err) {
      if (err instanceof FaultSpecError || err instanceof TestTokenError) reply = problem(400, err.message);
      else throw err;
    }
  }
  if (reply.body === undefined) sendEmpty(res, reply.status);
  else sendJson(res, reply.status, reply.body);
}

async function dispatch(ctx: SimApiContext, method: string, segments: string[], url: URL, body: Record<string, unknown>): Promise<Reply> {
  const { state } = ctx;
  const [a, b] = segments;
  // Path shape with the id position wildcarded: "users/*/tap", "faults/*".
  const shape = segments.map((s, i) => (i === 1 && (a === 'users' || a === 'faults') ? '*' : s)).join('/');
  const now = new Date();
  const key = `${method} ${shape}`;
  switch (key) {
    case 'GET health':
      return { status: 200, body: { status: 'ok', tenantId: state.directory.tenantId, startedAt: state.startedAt.toISOString() } };
    case 'GET info':
      return { status: 200, body: ctx.info() };
    case 'POST reset':
      state.resetTenant();
      return { status: 204 };

    case 'POST faults':
      return { status: 201, body: state.faults.add(body as unknown as FaultSpec) };
    case 'GET faults':
      return { status: 200, body: { value: state.faults.list() } };
    case 'DELETE faults':
      state.faults.clear();
      return { status: 204 };
    case 'DELETE faults/*':
      return state.faults.remove(b!) ? { status: 204 } : problem(404, `no fault ${b}`);

    case 'GET users':
      return { status: 200, body: { value: [...state.directory.users.values()].map((u) => ({
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        managerId: u.managerId,
        accountEnabled: u.accountEnabled,
        userType: u.userType,
        directReports: state.directory.directReportsOf(u.id).length,
        activeRoles: state.directory.transitiveAssignmentsOf(u.id).map((a) => state.directory.roleName(a.roleDefinitionId)),
        eligibleRoles: state.directory.roleEligibilities.filter((e) => e.principalId === u.id).map((e) => state.directory.roleName(e.roleDefinitionId)),
      })) } };
    case 'GET users/*/tap':
      return currentTap(state, b!);
    case 'POST users/*/tap/redeem':
      return redeemTap(state, b!);
    case 'PATCH users/*':
      return patchUser(state, b!, body);
    case 'DELETE users/*': {
      const user = state.directory.findUser(b!);
      if (!user) return problem(404, `no user ${b}`);
      state.directory.deleteUser(user, SIM_ACTOR, now);
      return { status: 204 };
    }

    case 'GET directory':
      return { status: 200, body: state.directorySettings };
    case 'PATCH directory':
      return patchDirectory(state, body);
    case 'POST directory/expire-delta-tokens':
      // Every token issued so far now answers syncStateNotFound (the tokens carry ms times).
      state.deltaTokensValidFrom = now.getTime() + 1;
      return { status: 204 };

    case 'POST tokens/relay': {
      const relay = state.fixture.relayApp ? state.issuer.findApp(state.fixture.relayApp) : undefined;
      if (!relay) return problem(400, 'the fixture names no relayApp');
      const audience = typeof body.audience === 'string' ? body.audience : state.fixture.relayAudience ?? 'api://tapline-intake';
      if (!state.issuer.resolveResource(audience)) return problem(400, `no resource ${audience} in the fixture`);
      const token = await state.issuer.issueAppToken(relay, audience, { via: 'managedIdentity', lifetimeSeconds: ctx.managedIdentityTokenLifetimeSeconds });
      return { status: 200, body: { access_token: token.accessToken, token_type: 'Bearer', expires_on: token.expiresOn, resource: audience } };
    }
    case 'POST tokens': {
      const token = await mintTestToken(state.issuer, body, state.fixture.relayApp);
      return { status: 200, body: { access_token: token.accessToken, kid: token.kid, claims: token.claims } };
    }
    case 'POST keys/rotate':
      return { status: 200, body: state.keys.rotate() };

    case 'GET calls': {
      const kind = url.searchParams.get('kind');
      const contains = url.searchParams.get('pathContains')?.toLowerCase();
      const value = state.calls.list().filter((r) => (!kind || r.kind === kind) && (!contains || r.path.toLowerCase().includes(contains)));
      return { status: 200, body: { value } };
    }
    case 'DELETE calls':
      state.calls.clear();
      return { status: 204 };
    case 'GET resume-calls':
      return { status: 200, body: { value: state.resumeCalls } };

    case 'POST assignment-requests':
      return createAssignmentRequest(state, body);
    case 'GET assignment-requests':
      return { status: 200, body: { value: state.assignmentRequests.all().filter((r) => r.entra !== null) } };

    case 'POST waiting-requests': {
      if (typeof body.id !== 'string' || body.id === '') return problem(400, 'id is required');
      const request = state.assignmentRequests.register({
        id: body.id,
        stage: typeof body.stage === 'string' ? body.stage : null,
        customExtensionStageInstanceId: typeof body.customExtensionStageInstanceId === 'string' ? body.customExtensionStageInstanceId : null,
      }, new Date());
      return { status: 201, body: request };
    }
    case 'GET waiting-requests':
      return { status: 200, body: { autoWait: state.assignmentRequests.autoWait, value: state.assignmentRequests.all() } };
    case 'PATCH waiting-requests':
      if (typeof body.autoWait === 'boolean') state.assignmentRequests.autoWait = body.autoWait;
      return { status: 200, body: { autoWait: state.assignmentRequests.autoWait } };

    case 'GET throttle':
      return { status: 200, body: state.throttle.current() };
    case 'PUT throttle':
    case 'PATCH throttle':
      return { status: 200, body: state.throttle.configure(pickThrottle(body)) };

    case 'GET tap-policy':
      return { status: 200, body: state.directory.tapPolicy };
    case 'PATCH tap-policy':
      return patchTapPolicy(state, body);

    default:
      return problem(404, `no simulator endpoint ${method} /_sim/${segments.join('/')}`);
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalString = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * What Entra does when a manager submits a request and the package's extension is called: the
 * request (requestor, target, access package, state for the stage) with one call-out instance.
 * `requestor` and `target` are user refs; `accessPackageId` defaults to the fixture's
 * `tapAccessPackage`; `visibleAfterMs` delays Graph reads (replication lag).
 */
function createAssignmentRequest(state: SimulatorState, body: Record<string, unknown>): Reply {
  const requestorRef = optionalString(body.requestor);
  const targetRef = optionalString(body.target);
  if (!requestorRef || !targetRef) return problem(400, 'requestor and target (user refs) are required');
  // A GUID no user has stands for a user deleted after the request was made: the subject stays.
  const subject = (ref: string) => state.directory.findUser(ref)
    ?? (GUID.test(ref) ? { id: ref.toLowerCase(), userPrincipalName: `${ref.toLowerCase()}@deleted.invalid`, displayName: 'Deleted user', mail: null } : undefined);
  const requestor = subject(requestorRef);
  const target = subject(targetRef);
  if (!requestor) return problem(400, `no user "${requestorRef}" for requestor`);
  if (!target) return problem(400, `no user "${targetRef}" for target`);
  const packages = state.fixture.accessPackages ?? [];
  const packageRef = optionalString(body.accessPackageId) ?? state.fixture.tapAccessPackage;
  const accessPackage = packages.find((p) => packageRef !== undefined && (p.id.toLowerCase() === packageRef.toLowerCase() || p.displayName === packageRef));
  if (!accessPackage) return problem(400, packageRef === undefined ? 'the fixture names no tapAccessPackage: give accessPackageId' : `no access package "${packageRef}" in the fixture`);
  for (const key of ['id', 'customExtensionStageInstanceId'] as const) {
    const v = body[key];
    if (v !== undefined && (typeof v !== 'string' || !GUID.test(v))) return problem(400, `${key} must be a GUID`);
  }
  const visibleAfterMs = body.visibleAfterMs ?? 0;
  if (typeof visibleAfterMs !== 'number' || !(visibleAfterMs >= 0 && visibleAfterMs <= 600_000)) return problem(400, 'visibleAfterMs must be 0..600000');
  const request = state.assignmentRequests.create({
    ...(optionalString(body.id) !== undefined && { id: optionalString(body.id)! }),
    requestor, target,
    accessPackage: { id: accessPackage.id.toLowerCase(), displayName: accessPackage.displayName, description: accessPackage.description ?? '' },
    requestType: optionalString(body.requestType) ?? 'onBehalfAdd',
    stage: optionalString(body.stage) ?? 'assignmentRequestApproved',
    ...(optionalString(body.customExtensionStageInstanceId) !== undefined && { customExtensionStageInstanceId: optionalString(body.customExtensionStageInstanceId)! }),
    ...(optionalString(body.state) !== undefined && { state: optionalString(body.state)! }),
    visibleAfterMs,
  }, new Date());
  return { status: 201, body: request };
}

function currentTap(state: SimulatorState, ref: string): Reply {
  const user = state.directory.findUser(ref);
  const tap = user ? state.taps.get(user.id) : undefined;
  if (!user || !tap) return problem(404, user ? 'the user has no Temporary Access Pass' : `no user ${ref}`);
  return {
    status: 200,
    body: {
      id: tap.id,
      sha256: tap.sha256,
      createdDateTime: tap.createdDateTime,
      startDateTime: tap.startDateTime,
      lifetimeInMinutes: tap.lifetimeInMinutes,
      isUsableOnce: tap.isUsableOnce,
      ...usability(tap, state.directory.tapPolicy.state === 'enabled', new Date()),
    },
  };
}

function redeemTap(state: SimulatorState, ref: string): Reply {
  const user = state.directory.findUser(ref);
  const tap = user ? state.taps.get(user.id) : undefined;
  if (!tap) return problem(404, 'no Temporary Access Pass to redeem');
  if (tap.isUsableOnce) tap.used = true;
  return currentTap(state, ref);
}

/** Org changes a test needs; each writes the audit entry Entra would. */
function patchUser(state: SimulatorState, ref: string, body: Record<string, unknown>): Reply {
  const dir = state.directory;
  const user = dir.findUser(ref);
  if (!user) return problem(404, `no user ${ref}`);
  let changedBy: User | undefined;
  if (typeof body.changedBy === 'string') {
    changedBy = dir.findUser(body.changedBy);
    if (!changedBy) return problem(400, `no user ${body.changedBy}`);
  }
  const at = typeof body.minutesAgo === 'number' ? new Date(Date.now() - body.minutesAgo * 60_000) : new Date();
  const actor = changedBy ? { user: actorOf(changedBy) } : SIM_ACTOR;
  if ('manager' in body) {
    if (body.manager === null) dir.setManager(user, null, actor, at);
    else if (typeof body.manager === 'string') {
      const manager = dir.findUser(body.manager);
      if (!manager) return problem(400, `no user ${body.manager}`);
      dir.setManager(user, manager.id, actor, at);
    } else return problem(400, 'manager must be a user reference or null');
  }
  if ('accountEnabled' in body) {
    if (typeof body.accountEnabled !== 'boolean') return problem(400, 'accountEnabled must be a boolean');
    dir.setAccountEnabled(user, body.accountEnabled, actor, at);
  }
  if ('mail' in body) {
    if (body.mail !== null && typeof body.mail !== 'string') return problem(400, 'mail must be a string or null');
    dir.setMail(user, body.mail, actor, at);
  }
  if ('phoneMethods' in body) {
    const phones = body.phoneMethods;
    if (typeof phones !== 'object' || phones === null || Array.isArray(phones)) return problem(400, 'phoneMethods must be an object');
    for (const [type, number] of Object.entries(phones as Record<string, unknown>)) {
      if (type !== 'mobile' && type !== 'alternateMobile' && type !== 'office') return problem(400, `phoneMethods.${type}: not a phone method type`);
      if (number !== null && typeof number !== 'string') return problem(400, `phoneMethods.${type} must be a string or null`);
      dir.registerPhoneMethod(user, type, number, actor, at);
    }
  }
  return { status: 200, body: { id: user.id, userPrincipalName: user.userPrincipalName, managerId: user.managerId, accountEnabled: user.accountEnabled } };
}

const SIM_ACTOR = { app: { appId: 'tenant-simulator', displayName: 'tenant-simulator', servicePrincipalId: 'tenant-simulator' } };

function patchDirectory(state: SimulatorState, body: Record<string, unknown>): Reply {
  const limits = { auditLatencySeconds: [0, 86_400], deltaPageSize: [1, 1_000], deltaTokenLifetimeSeconds: [1, 30 * 86_400] } as const;
  const next = { ...state.directorySettings };
  for (const [key, [min, max]] of Object.entries(limits) as Array<[keyof typeof limits, readonly [number, number]]>) {
    if (!(key in body)) continue;
    const v = body[key];
    if (typeof v !== 'number' || !(v >= min && v <= max)) return problem(400, `${key} must be a number in ${min}..${max}`);
    next[key] = key === 'deltaPageSize' ? Math.floor(v) : v;
  }
  Object.assign(state.directorySettings, next);
  return { status: 200, body: state.directorySettings };
}

function patchTapPolicy(state: SimulatorState, body: Record<string, unknown>): Reply {
  const p = state.directory.tapPolicy;
  const next = { ...p };
  for (const k of ['defaultLifetimeInMinutes', 'minimumLifetimeInMinutes', 'maximumLifetimeInMinutes', 'defaultLength'] as const) {
    if (k in body) {
      if (typeof body[k] !== 'number') return problem(400, `${k} must be a number`);
      next[k] = body[k];
    }
  }
  if ('isUsableOnce' in body) next.isUsableOnce = body.isUsableOnce === true;
  if ('state' in body) {
    if (body.state !== 'enabled' && body.state !== 'disabled') return problem(400, 'state must be enabled or disabled');
    next.state = body.state;
  }
  if ('excludeGroups' in body && Array.isArray(body.excludeGroups)) {
    const ids = (body.excludeGroups as unknown[]).map((g) => state.directory.findGroup(String(g))?.id);
    if (ids.some((g) => g === undefined)) return problem(400, 'excludeGroups names an unknown group');
    next.excludeGroupIds = ids as string[];
  }
  if (!(next.minimumLifetimeInMinutes >= 10 && next.maximumLifetimeInMinutes <= 43200 && next.minimumLifetimeInMinutes <= next.maximumLifetimeInMinutes
    && next.defaultLifetimeInMinutes >= next.minimumLifetimeInMinutes && next.defaultLifetimeInMinutes <= next.maximumLifetimeInMinutes
    && Number.isInteger(next.defaultLength) && next.defaultLength >= 8 && next.defaultLength <= 48)) {
    return problem(400, 'policy values out of range (lifetimes 10..43200, min <= default <= max, length 8..48)');
  }
  state.directory.tapPolicy = next;
  return { status: 200, body: next };
}

function pickThrottle(body: Record<string, unknown>): Partial<ThrottleSettings> {
  const out: Partial<ThrottleSettings> = {};
  for (const k of ['resourceUnits', 'resourceUnitWindowSeconds', 'writes', 'writeWindowSeconds', 'reportsRequests', 'reportsWindowSeconds'] as const) {
    const v = body[k];
    if (typeof v === 'number' && v > 0) out[k] = v;
  }
  if (typeof body.enabled === 'boolean') out.enabled = body.enabled;
  return out;
}
