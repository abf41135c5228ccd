import { PermanentError } from './errors.js';

/** Graph's absolute TAP lifetime bounds, whatever the tenant policy says (platform facts 4). */
export const GRAPH_TAP_MIN_LIFETIME_MINUTES = 10;
export const GRAPH_TAP_MAX_LIFETIME_MINUTES = 43_200;

/** The tenant's TAP policy, as read from the authentication methods policy. */
export interface TapPolicyBounds {
  readonly minimumLifetimeInMinutes: number;
  readonly maximumLifetimeInMinutes: number;
  readonly defaultLifetimeInMinutes: number;
  /** True forces every TAP to be one-time. */
  readonly isUsableOnce: boolean;
}

export interface TapLifetime {
  readonly lifetimeMinutes: number;
  readonly isUsableOnce: boolean;
  /** Which bound moved the requested (or default) lifetime, if any. */
  readonly clamped: 'none' | 'min' | 'max';
}

/**
 * Lifetime and one-time use for a new TAP: the configured request (or the policy default when
 * none is configured) clamped into the policy bounds, themselves clamped into Graph's 10-43200.
 * Graph answers 400 outside the policy range, so clamping here avoids a certain failure.
 * A policy whose bounds cross cannot be satisfied: that is a TapPolicyRejected, not a bug.
 */
export function clampTapLifetime(requestedMinutes: number | undefined, policy: TapPolicyBounds, requestedUsableOnce: boolean): TapLifetime {
  const low = Math.max(GRAPH_TAP_MIN_LIFETIME_MINUTES, Math.ceil(policy.minimumLifetimeInMinutes));
  const high = Math.min(GRAPH_TAP_MAX_LIFETIME_MINUTES, Math.floor(policy.maximumLifetimeInMinutes));
  if (!(low <= high)) {
    throw new PermanentError('TapPolicyRejected', 'the tenant TAP policy has no valid lifetime (minimum above maximum)');
  }
  const wanted = requestedMinutes !== undefined && Number.isFinite(requestedMinutes) ? Math.round(requestedMinutes) : Math.round(policy.defaultLifetimeInMinutes);
  const base = Number.isFinite(wanted) ? wanted : low;
  const clamped = base < low ? 'min' : base > high ? 'max' : 'none';
  return {
    lifetimeMinutes: clamped === 'min' ? low : clamped === 'max' ? high : base,
    isUsableOnce: policy.isUsableOnce || requestedUsableOnce,
    clamped,
  };
}
