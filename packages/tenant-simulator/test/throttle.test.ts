import { describe, expect, it } from 'vitest';
import { defaultThrottleSettings, requestCost, Throttle } from '../src/throttle.js';

describe('identity throttling buckets', () => {
  it('uses the documented tenant-size quotas', () => {
    expect(defaultThrottleSettings(32)).toMatchObject({ resourceUnits: 3500, resourceUnitWindowSeconds: 10, writes: 3000, writeWindowSeconds: 150 });
    expect(defaultThrottleSettings(200).resourceUnits).toBe(5000);
    expect(defaultThrottleSettings(501).resourceUnits).toBe(8000);
    expect(defaultThrottleSettings(32, 0.001)).toMatchObject({ resourceUnits: 4, writes: 3, reportsRequests: 1 });
  });

  it('prices requests as Graph documents: $select -1, $expand +1, small $top -1, never below 1, writes 1', () => {
    expect(requestCost('GET', 2, new URLSearchParams())).toEqual({ resourceUnits: 2, writes: 0 });
    expect(requestCost('GET', 2, new URLSearchParams('$select=id'))).toEqual({ resourceUnits: 1, writes: 0 });
    expect(requestCost('GET', 1, new URLSearchParams('$select=id&$top=5'))).toEqual({ resourceUnits: 1, writes: 0 });
    expect(requestCost('GET', 1, new URLSearchParams('$expand=manager'))).toEqual({ resourceUnits: 2, writes: 0 });
    expect(requestCost('POST', 1, new URLSearchParams())).toEqual({ resourceUnits: 1, writes: 1 });
  });

  it('refills continuously and answers with the exact wait, per app', () => {
    const t = new Throttle({ ...defaultThrottleSettings(10), resourceUnits: 10, resourceUnitWindowSeconds: 10 }, 'tid');
    const now = 1_000_000;
    for (let i = 0; i < 10; i++) expect(t.check('app-a', 'identity', 1, 0, now).ok).toBe(true);
    const denied = t.check('app-a', 'identity', 1, 0, now);
    expect(denied.ok).toBe(false);
    if (!denied.ok) expect(denied.retryAfterSeconds).toBeCloseTo(1.001, 3);
    expect(t.check('app-b', 'identity', 1, 0, now).ok).toBe(true);
    expect(t.check('app-a', 'identity', 1, 0, now + 999).ok).toBe(false);
    expect(t.check('app-a', 'identity', 1, 0, now + 1001).ok).toBe(true);
  });

  it('does not charge a throttled request, so an honouring client keeps the full rate', () => {
    const t = new Throttle({ ...defaultThrottleSettings(10), resourceUnits: 2, resourceUnitWindowSeconds: 1 }, 'tid');
    let now = 0;
    let served = 0;
    for (let i = 0; i < 100 && now <= 5000; i++) {
      const d = t.check('app', 'identity', 1, 0, now);
      if (d.ok) served++;
      else now += Math.ceil(d.retryAfterSeconds * 1000);
    }
    // 2 up front plus 2 per second for 5 seconds.
    expect(served).toBeGreaterThanOrEqual(11);
    expect(served).toBeLessThanOrEqual(12);
  });

  it('can be switched off', () => {
    const t = new Throttle({ ...defaultThrottleSettings(10), enabled: false, resourceUnits: 1 }, 'tid');
    for (let i = 0; i < 5; i++) expect(t.check('app', 'identity', 1, 1).ok).toBe(true);
  });
});
