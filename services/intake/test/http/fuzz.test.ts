// Property: whatever the body, the handler answers 202, 400, 413 or 415 (never 5xx), and what it
// enqueues always decodes as a valid TapRequestMessage matching the message's Service Bus ids.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeTapRequest } from '@tapline/domain';
import { callout } from '../helpers/callouts.js';
import { handlerFixture } from '../helpers/intake-ports.js';
import type { HandlerFixture } from '../helpers/intake-ports.js';
import { newKey, relayClaims, sign } from '../helpers/tokens.js';
import { fuzzBodies } from './fuzz-bodies.js';

let fixture: HandlerFixture;
let token: string;

beforeAll(async () => {
  const key = await newKey();
  token = await sign(key, relayClaims());
  fixture = handlerFixture(key);
});

describe('fuzzing the handler', () => {
  it('answers only 202/400/413/415 and enqueues only valid messages', async () => {
    const seen = new Map<number, number>();
    let enqueuedTotal = 0;
    await fc.assert(
      fc.asyncProperty(fuzzBodies(), async ({ body, contentType }) => {
        const res = await fixture.call({ body, headers: { authorization: `Bearer ${token}`, ...(contentType === undefined ? {} : { 'content-type': contentType }) } });
        seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
        expect([202, 400, 413, 415]).toContain(res.status);
        const enqueued = fixture.queue.drain();
        enqueuedTotal += enqueued.length;
        if (res.status !== 202) expect(enqueued).toEqual([]);
        for (const message of enqueued) {
          const decoded = decodeTapRequest(message.body);
          expect(decoded.ok).toBe(true);
          if (decoded.ok) {
            expect(message.messageId).toBe(decoded.message.stageInstanceId);
            expect(message.correlationId).toBe(decoded.message.requestId);
            expect(res.json).toEqual({ requestId: decoded.message.requestId, status: 'accepted' });
          }
        }
        // Keys like __proto__ must never reach the prototype chain.
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 1_200 },
    );
    // The generator must exercise every outcome, or the property proves little.
    expect([...seen.keys()].sort()).toEqual([202, 400, 413, 415]);
    expect(enqueuedTotal).toBeGreaterThan(50);
  }, 60_000);

  it('still accepts a valid call-out after the fuzzing (no state was corrupted)', async () => {
    const res = await fixture.call({ body: JSON.stringify(callout()), headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    expect(res.status).toBe(202);
    expect(fixture.queue.drain()).toHaveLength(1);
  });
});
