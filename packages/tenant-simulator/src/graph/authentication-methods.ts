import { isExternalGuest, type User } from '../directory/org.js';
import { generateTapSecret } from '../directory/tap-secret.js';
import { usability, type TapRecord } from '../directory/tap-store.js';
import { bothVersions, odataContext, type GraphContext, type GraphRoute } from './context.js';
import { badRequest, GraphError, notFound } from './errors.js';
import { requireUser } from './users.js';

const methodRead = ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'];
const methodWrite = ['UserAuthenticationMethod.ReadWrite.All'];
const policyRead = ['Policy.Read.AuthenticationMethod', 'Policy.ReadWrite.AuthenticationMethod', 'Policy.Read.All'];

/** Phone method ids are fixed per type in Graph. */
export const phoneMethodIds = {
  mobile: '3179e48a-750b-4051-897c-87b9720928f7',
  alternateMobile: 'b6332ec1-7057-4abe-9331-3d72feddfe41',
  office: 'e37fc753-ff3b-4958-9484-eaa9425c82bc',
} as const;

function tapEntity(ctx: GraphContext, tap: TapRecord, secret: string | null): Record<string, unknown> {
  const policy = ctx.state.directory.tapPolicy;
  return {
    id: tap.id,
    temporaryAccessPass: secret,
    createdDateTime: tap.createdDateTime,
    startDateTime: tap.startDateTime,
    lifetimeInMinutes: tap.lifetimeInMinutes,
    isUsableOnce: tap.isUsableOnce,
    ...usability(tap, policy.state === 'enabled', ctx.now),
  };
}

function policyRefuses(ctx: GraphContext, user: User): boolean {
  const policy = ctx.state.directory.tapPolicy;
  if (policy.state !== 'enabled') return true;
  const groups = new Set(ctx.state.directory.transitiveGroupsOf(user.id).map((g) => g.id));
  return policy.excludeGroupIds.some((g) => groups.has(g));
}

/**
 * Create, with the checks Graph documents: the policy must allow the method for the user, no
 * external guests, lifetime within the policy bounds, multi-use only if the policy allows it.
 * A new TAP silently replaces the user's current one. The secret exists only in this response.
 */
function createTap(ctx: GraphContext) {
  const dir = ctx.state.directory;
  const user = requireUser(dir, ctx.params.user!);
  const body = (ctx.body ?? {}) as Record<string, unknown>;
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Invalid request body.', 'badRequest');
  const policy = dir.tapPolicy;
  if (policyRefuses(ctx, user)) {
    throw badRequest('Converged UserCredentialPolicy does not allow creating or updating this authentication method. AuthMethodType [TemporaryAccessPass]', 'badRequest');
  }
  if (isExternalGuest(user)) throw badRequest('Temporary Access Pass cannot be added to an external guest user.', 'badRequest');
  const lifetime = body.lifetimeInMinutes ?? policy.defaultLifetimeInMinutes;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < policy.minimumLifetimeInMinutes || lifetime > policy.maximumLifetimeInMinutes) {
    throw badRequest(`Invalid LifetimeInMinutes specified. The valid range between ${policy.minimumLifetimeInMinutes} and ${policy.maximumLifetimeInMinutes}.`, 'badRequest');
  }
  if (body.isUsableOnce !== undefined && typeof body.isUsableOnce !== 'boolean') throw badRequest('Invalid IsUsableOnce specified.', 'badRequest');
  if (policy.isUsableOnce && body.isUsableOnce === false) {
    throw badRequest('Invalid IsUsableOnce specified. The authentication methods policy only allows one-time Temporary Access Passes.', 'badRequest');
  }
  const isUsableOnce = policy.isUsableOnce || body.isUsableOnce === true;
  let start = ctx.now;
  if (body.startDateTime !== undefined && body.startDateTime !== null) {
    const parsed = typeof body.startDateTime === 'string' ? Date.parse(body.startDateTime) : NaN;
    if (Number.isNaN(parsed)) throw badRequest('Invalid StartDateTime specified.', 'badRequest');
    start = new Date(Math.max(parsed, ctx.now.getTime()));
  }
  const secret = generateTapSecret(policy.defaultLength);
  const tap = ctx.state.taps.put(user.id, secret, { start, lifetimeInMinutes: lifetime, isUsableOnce, now: ctx.now });
  const app = ctx.state.issuer.findApp(ctx.caller.appId);
  dir.audit.add({
    activityDisplayName: 'Admin registered security info',
    category: 'UserManagement',
    loggedByService: 'Authentication Methods',
    operationType: 'Add',
    at: ctx.now,
    actor: { app: { appId: ctx.caller.appId, displayName: app?.displayName ?? app?.name ?? ctx.caller.appId, servicePrincipalId: ctx.caller.servicePrincipalId } },
    targets: [{ id: user.id, displayName: user.displayName, type: 'User', userPrincipalName: user.userPrincipalName, groupType: null, modifiedProperties: [] }],
    additionalDetails: [{ key: 'Method', value: 'Temporary Access Pass' }],
  });
  return {
    status: 201,
    body: {
      '@odata.context': odataContext(ctx.version, `users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`),
      ...tapEntity(ctx, tap, secret),
    },
  };
}

function currentTap(ctx: GraphContext, user: User): TapRecord | undefined {
  return ctx.state.taps.get(user.id);
}

function listTaps(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const tap = currentTap(ctx, user);
  return {
    status: 200,
    body: {
      '@odata.context': odataContext(ctx.version, `users('${user.id}')/authentication/temporaryAccessPassMethods`),
      value: tap ? [tapEntity(ctx, tap, null)] : [],
    },
  };
}

function getTap(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const tap = currentTap(ctx, user);
  if (!tap || tap.id !== ctx.params.method!.toLowerCase()) throw notFound(ctx.params.method!);
  return {
    status: 200,
    body: { '@odata.context': odataContext(ctx.version, `users('${user.id}')/authentication/temporaryAccessPassMethods/$entity`), ...tapEntity(ctx, tap, null) },
  };
}

function deleteTap(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  if (!ctx.state.taps.delete(user.id, ctx.params.method!.toLowerCase())) throw notFound(ctx.params.method!);
  return { status: 204 };
}

function phoneEntities(user: User): Record<string, unknown>[] {
  return (Object.keys(phoneMethodIds) as Array<keyof typeof phoneMethodIds>)
    .filter((type) => user.phoneMethods[type])
    .map((type) => ({
      id: phoneMethodIds[type],
      phoneNumber: user.phoneMethods[type]!,
      phoneType: type,
      smsSignInState: type === 'office' ? 'notSupported' : 'notAllowedByPolicy',
    }));
}

function listPhones(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  return {
    status: 200,
    body: { '@odata.context': odataContext(ctx.version, `users('${user.id}')/authentication/phoneMethods`), value: phoneEntities(user) },
  };
}

function getPhone(ctx: GraphContext) {
  const user = requireUser(ctx.state.directory, ctx.params.user!);
  const phone = phoneEntities(user).find((p) => p.id === ctx.params.method!.toLowerCase());
  if (!phone) throw notFound(ctx.params.method!);
  return { status: 200, body: { '@odata.context': odataContext(ctx.version, `users('${user.id}')/authentication/phoneMethods/$entity`), ...phone } };
}

function getTapPolicy(ctx: GraphContext) {
  const p = ctx.state.directory.tapPolicy;
  return {
    status: 200,
    body: {
      '@odata.context': odataContext(ctx.version, 'policies/authenticationMethodsPolicy/authenticationMethodConfigurations/$entity'),
      '@odata.type': '#microsoft.graph.temporaryAccessPassAuthenticationMethodConfiguration',
      id: 'TemporaryAccessPass',
      state: p.state,
      defaultLifetimeInMinutes: p.defaultLifetimeInMinutes,
      defaultLength: p.defaultLength,
      minimumLifetimeInMinutes: p.minimumLifetimeInMinutes,
      maximumLifetimeInMinutes: p.maximumLifetimeInMinutes,
      isUsableOnce: p.isUsableOnce,
      excludeTargets: p.excludeGroupIds.map((id) => ({ id, targetType: 'group' })),
      includeTargets: [{ targetType: 'group', id: 'all_users', isRegistrationRequired: false }],
    },
  };
}

function getMethodConfiguration(ctx: GraphContext) {
  if (ctx.params.config!.toLowerCase() !== 'temporaryaccesspass') {
    throw new GraphError(404, 'Request_ResourceNotFound', `The tenant simulator models only the TemporaryAccessPass configuration, not '${ctx.params.config}'.`);
  }
  return getTapPolicy(ctx);
}

const tapPath = '/users/{user}/authentication/temporaryAccessPassMethods';

export const authenticationMethodRoutes: GraphRoute[] = [
  { method: 'POST', path: tapPath, versions: bothVersions, permissions: methodWrite, handle: createTap },
  { method: 'GET', path: tapPath, versions: bothVersions, permissions: methodRead, handle: listTaps },
  { method: 'GET', path: `${tapPath}/{method}`, versions: bothVersions, permissions: methodRead, handle: getTap },
  { method: 'DELETE', path: `${tapPath}/{method}`, versions: bothVersions, permissions: methodWrite, handle: deleteTap },
  { method: 'GET', path: '/users/{user}/authentication/phoneMethods', versions: bothVersions, permissions: methodRead, handle: listPhones },
  { method: 'GET', path: '/users/{user}/authentication/phoneMethods/{method}', versions: bothVersions, permissions: methodRead, handle: getPhone },
  {
    method: 'GET',
    path: '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/{config}',
    versions: bothVersions,
    permissions: policyRead,
    handle: getMethodConfiguration,
  },
];
