import type { GraphTransport } from './graph-client.js';
import { graphCall, limitedCall, userPath } from './graph-call.js';
import type { IssuedTap, TapIssuer, TapPolicy } from './ports.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * The TapIssuer port over Graph: the TAP policy read through a cache, and TAP creation behind the
 * write limiter. The secret is handed to `onSecret` (the logger's redaction registry) before
 * anything else can see it.
 */
export interface GraphTapIssuerOptions {
  readonly limiter: RateLimiter;
  /** How long a read policy is trusted (default 5 minutes). */
  readonly policyTtlMs?: number;
  readonly onSecret?: (secret: string) => void;
  readonly now?: () => number;
}

const POLICY_PATH = '/policies/authenticationMethodsPolicy/authenticationMethodConfigurations/TemporaryAccessPass';

interface GraphTapPolicy {
  state?: string;
  defaultLifetimeInMinutes?: number;
  minimumLifetimeInMinutes?: number;
  maximumLifetimeInMinutes?: number;
  isUsableOnce?: boolean;
  defaultLength?: number;
}

interface GraphTap {
  id?: string;
  temporaryAccessPass?: string | null;
  createdDateTime?: string;
  startDateTime?: string | null;
  lifetimeInMinutes?: number;
  isUsableOnce?: boolean;
}

export function createGraphTapIssuer(transport: GraphTransport, options: GraphTapIssuerOptions): TapIssuer {
  const { client } = transport;
  const ttl = options.policyTtlMs ?? 5 * 60_000;
  const now = options.now ?? Date.now;
  let cached: { policy: TapPolicy; until: number } | undefined;
  let inflight: Promise<TapPolicy> | undefined;

  async function readPolicy(): Promise<TapPolicy> {
    const raw = await graphCall({ operation: 'tapPolicy' }, () => client.api(POLICY_PATH).get() as Promise<GraphTapPolicy>);
    const policy = toTapPolicy(raw);
    cached = { policy, until: now() + ttl };
    return policy;
  }

  return {
    policy() {
      if (cached && cached.until > now()) return Promise.resolve(cached.policy);
      // One read for all the handlers that find the cache stale at the same time.
      inflight ??= readPolicy().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },

    async create(userId, request) {
      const raw = await limitedCall(options.limiter, () => {
        transport.countWrite();
        return graphCall({ operation: 'createTap', notFound: 'TargetNotFound', policyGuarded: true }, () =>
          client.api(`${userPath(userId)}/authentication/temporaryAccessPassMethods`).post({
            lifetimeInMinutes: request.lifetimeMinutes,
            isUsableOnce: request.isUsableOnce,
          }) as Promise<GraphTap>,
        );
      });
      const secret = raw.temporaryAccessPass;
      if (typeof secret === 'string' && secret !== '') options.onSecret?.(secret);
      return toIssuedTap(raw);
    },
  };
}

export function toTapPolicy(raw: GraphTapPolicy): TapPolicy {
  const num = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
  // Graph's documented defaults stand in for a property the response leaves out.
  return {
    state: raw.state === 'enabled' ? 'enabled' : 'disabled',
    defaultLifetimeInMinutes: num(raw.defaultLifetimeInMinutes, 60),
    minimumLifetimeInMinutes: num(raw.minimumLifetimeInMinutes, 60),
    maximumLifetimeInMinutes: num(raw.maximumLifetimeInMinutes, 480),
    isUsableOnce: raw.isUsableOnce === true,
    defaultLength: num(raw.defaultLength, 8),
  };
}

function toIssuedTap(raw: GraphTap): IssuedTap {
  const secret = raw.temporaryAccessPass;
  if (!raw.id || typeof secret !== 'string' || secret === '' || typeof raw.lifetimeInMinutes !== 'number') {
    // Never echo the body: it may hold the secret.
    throw new Error('Graph created a TAP but the response lacks its id, secret or lifetime');
  }
  const created = raw.createdDateTime ?? new Date().toISOString();
  return {
    id: raw.id.toLowerCase(),
    secret,
    createdDateTime: created,
    startDateTime: raw.startDateTime ?? created,
    lifetimeInMinutes: raw.lifetimeInMinutes,
    isUsableOnce: raw.isUsableOnce === true,
  };
}
