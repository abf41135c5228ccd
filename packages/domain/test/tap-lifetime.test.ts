import { describe, expect, it } from 'vitest';
import { GRAPH_TAP_MAX_LIFETIME_MINUTES, GRAPH_TAP_MIN_LIFETIME_MINUTES, PermanentError, type TapPolicyBounds, clampTapLifetime } from '../src/index.js';

// The portal defaults: 1 h to 8 h, default 1 h, multi-use allowed.
const portal: TapPolicyBounds = { minimumLifetimeInMinutes: 60, maximumLifetimeInMinutes: 480, defaultLifetimeInMinutes: 60, isUsableOnce: false };

describe('clampTapLifetime', () => {
  it.each([
    [120, 120, 'none'],
    [60, 60, 'none'],
    [480, 480, 'none'],
    [59, 60, 'min'],
    [10, 60, 'min'],
    [-5, 60, 'min'],
    [481, 480, 'max'],
    [43_200, 480, 'max'],
    [90.4, 90, 'none'],
  ] as const)('clamps %s minutes to %s (%s)', (requested, lifetime, clamped) => {
    expect(clampTapLifetime(requested, portal, true)).toEqual({ lifetimeMinutes: lifetime, isUsableOnce: true, clamped });
  });

  it('uses the policy default when nothing is configured, clamped too', () => {
    expect(clampTapLifetime(undefined, portal, false)).toEqual({ lifetimeMinutes: 60, isUsableOnce: false, clamped: 'none' });
    expect(clampTapLifetime(undefined, { ...portal, defaultLifetimeInMinutes: 1000 }, false)).toEqual({ lifetimeMinutes: 480, isUsableOnce: false, clamped: 'max' });
    expect(clampTapLifetime(Number.NaN, portal, false).lifetimeMinutes).toBe(60);
  });

  it("keeps within Graph's absolute 10-43200 even when the policy says otherwise", () => {
    const wide: TapPolicyBounds = { minimumLifetimeInMinutes: 1, maximumLifetimeInMinutes: 100_000, defaultLifetimeInMinutes: 60, isUsableOnce: false };
    expect(clampTapLifetime(5, wide, true)).toEqual({ lifetimeMinutes: GRAPH_TAP_MIN_LIFETIME_MINUTES, isUsableOnce: true, clamped: 'min' });
    expect(clampTapLifetime(50_000, wide, true)).toEqual({ lifetimeMinutes: GRAPH_TAP_MAX_LIFETIME_MINUTES, isUsableOnce: true, clamped: 'max' });
    expect(clampTapLifetime(10, wide, true).clamped).toBe('none');
    expect(clampTapLifetime(43_200, wide, true).clamped).toBe('none');
  });

  it('forces one-time use when the policy does', () => {
    expect(clampTapLifetime(60, { ...portal, isUsableOnce: true }, false).isUsableOnce).toBe(true);
    expect(clampTapLifetime(60, portal, false).isUsableOnce).toBe(false);
  });

  it('rejects a policy whose bounds cross as TapPolicyRejected', () => {
    const crossed = { ...portal, minimumLifetimeInMinutes: 500, maximumLifetimeInMinutes: 100 };
    expect(() => clampTapLifetime(60, crossed, true)).toThrow(PermanentError);
    try {
      clampTapLifetime(60, crossed, true);
    } catch (error) {
      expect((error as PermanentError).reason).toBe('TapPolicyRejected');
    }
  });
});
