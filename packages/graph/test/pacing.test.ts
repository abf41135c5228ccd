import { describe, expect, it } from 'vitest';
import { createRateLimiter, createThrottleGate } from '@tapline/graph';

describe('throttle gate', () => {
  it('holds every caller until the latest deadline, and lets them through together', async () => {
    const gate = createThrottleGate();
    gate.closeFor(120);
    gate.closeFor(50); // an earlier deadline never reopens the gate sooner
    const started = Date.now();
    await Promise.all([gate.pass(), gate.pass(), gate.pass()]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    expect(gate.remainingMs()).toBe(0);
  });

  it('caps a closure and lets an aborted waiter go', async () => {
    const gate = createThrottleGate({ maxCloseMs: 1_000 });
    gate.closeFor(3_600_000);
    expect(gate.remainingMs()).toBeLessThanOrEqual(1_000);
    const abort = new AbortController();
    const waiting = gate.pass(abort.signal);
    abort.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
  });
});

describe('rate limiter', () => {
  it('lets a full window through at once, then paces at the budget rate', async () => {
    let now = 0;
    const limiter = createRateLimiter({ requests: 10, windowMs: 1_000, utilisation: 1 }, () => now);
    for (let i = 0; i < 10; i++) await limiter.acquire();
    // Out of tokens: the next one needs 100 ms of refill (10 per second).
    let got = false;
    const next = limiter.acquire().then(() => {
      got = true;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(got).toBe(false);
    now += 100;
    await next;
    expect(got).toBe(true);
  });

  it('halves its rate on a 429 and recovers additively on successes', () => {
    const limiter = createRateLimiter({ requests: 10, windowMs: 1_000, increaseFraction: 0.1 });
    limiter.onThrottled();
    expect(limiter.rateFraction()).toBe(0.5);
    limiter.onThrottled();
    expect(limiter.rateFraction()).toBe(0.25);
    for (let i = 0; i < 3; i++) limiter.onSuccess();
    expect(limiter.rateFraction()).toBeCloseTo(0.55);
    for (let i = 0; i < 20; i++) limiter.onSuccess();
    expect(limiter.rateFraction()).toBe(1);
  });

  it('keeps a long run within the budget (real clock)', async () => {
    const limiter = createRateLimiter({ requests: 20, windowMs: 200 });
    const started = Date.now();
    for (let i = 0; i < 60; i++) await limiter.acquire();
    // 19.6 from the full bucket, then 40.4 at 98/s: at least ~400 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
  });
});

describe('BearerFrom', () => {
  it('asks the credential once per token lifetime, refreshes ahead of expiry, and sets the header', async () => {
    const { BearerFrom } = await import('@tapline/graph');
    let now = 0;
    let calls = 0;
    const credential = {
      getToken: () => {
        calls += 1;
        return Promise.resolve({ token: `t${calls}`, expiresOnTimestamp: now + 3_600_000 });
      },
    };
    const seen: string[] = [];
    const bearer = new BearerFrom(credential, 'https://graph.microsoft.com/.default', () => now);
    bearer.setNext({
      execute: (ctx) => {
        seen.push(String((ctx.options?.headers as Record<string, string>).Authorization));
        return Promise.resolve();
      },
    });
    const run = () => bearer.execute({ request: 'http://x/v1.0/users', options: { headers: {} } });
    await Promise.all([run(), run(), run()]);
    expect(calls).toBe(1);
    now += 50 * 60_000; // 10 minutes left: still fine
    await run();
    expect(calls).toBe(1);
    now += 6 * 60_000; // 4 minutes left: refresh in the background, the old token still serves this call
    await run();
    expect(calls).toBe(2);
    await run();
    expect(calls).toBe(2);
    expect(seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t1', 'Bearer t1', 'Bearer t1', 'Bearer t2']);
    now += 3_590_000; // t2 is now 30 s from expiry: no stale token is used, the call waits for a new one
    await run();
    expect(calls).toBe(3);
    expect(seen.at(-1)).toBe('Bearer t3');
  });
});
