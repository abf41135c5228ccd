// The decisions of dlq replay and reissue, pure: never a dead TAP, done requests left alone, the
// copy stripped of the dead-letter verdict, and ids a re-run repeats exactly.
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { RequestRecord, TargetRecord } from '@tapline/ledger';
import { describe, expect, it } from 'vitest';
import type { DeadLetter } from '../src/oncall/dead-letters.js';
import { matches } from '../src/oncall/dead-letters.js';
import { EXPIRY_MARGIN_MS, decideReissue, decideReplay, replayCopy, replayMessageId } from '../src/oncall/plan.js';
import { pacer } from '../src/oncall/locking.js';
import { parseWhen } from '../src/oncall/register.js';

const NOW = Date.parse('2026-12-07T03:00:00.000Z');
const REQUEST = '4c5d09a1-0000-4000-8000-000000000001';
const TAP = '7a7a7a7a-0000-4000-8000-000000000002';
const TARGET = 'd0468d1d-0000-4000-8000-000000000003';

function deadLetter(overrides: Partial<DeadLetter> = {}): DeadLetter {
  return {
    queue: 'deliveries', queueName: 'tap-deliveries', sequenceNumber: 7, messageId: `delivery:${REQUEST}:${TAP}`,
    deadLetteredAt: '2026-12-07T02:00:00.000Z', reason: 'RetriesExhausted', description: '', deliveryCount: 0,
    kind: 'delivery', requestId: REQUEST, referenceId: 'TL-4C5D09A1', targetId: TARGET, tapId: TAP,
    tapExpiresAt: new Date(NOW + 3_600_000).toISOString(), replayOrdinal: 0, body: {}, properties: {},
    ...overrides,
  };
}

function record(status: RequestRecord['status'], extra: Partial<RequestRecord> = {}): RequestRecord {
  return {
    requestId: REQUEST, status, reasons: [], targetId: TARGET, requestorId: 'r', attempts: 1, referenceId: 'TL-4C5D09A1',
    createdAt: '', updatedAt: '', timeline: [], stage: 'assignmentRequestApproved', stageInstanceId: 's',
    requestType: 'onBehalfAdd', accessPackageId: 'p', ...extra,
  };
}

const current: TargetRecord = { targetId: TARGET, currentTapId: TAP };

describe('dlq replay decisions', () => {
  it('replays a delivery whose TAP is current and valid, and a failed request', () => {
    expect(decideReplay(deadLetter(), record('dead-lettered'), current, NOW)).toEqual({ action: 'replay' });
    expect(decideReplay(deadLetter({ queue: 'requests', kind: 'request', reason: 'GraphForbidden' }), record('failed'), null, NOW)).toEqual({ action: 'replay' });
  });

  it('never resends a dead TAP: TapExpired, expiring within the margin, or superseded all say "use reissue"', () => {
    const cases: [DeadLetter, TargetRecord][] = [
      [deadLetter({ reason: 'TapExpired' }), current],
      [deadLetter({ tapExpiresAt: new Date(NOW + EXPIRY_MARGIN_MS - 1).toISOString() }), current],
      [deadLetter(), { targetId: TARGET, currentTapId: 'another' }],
      [deadLetter(), { targetId: TARGET }],
    ];
    for (const [dl, target] of cases) {
      const verdict = decideReplay(dl, record('dead-lettered'), target, NOW);
      expect(verdict).toMatchObject({ action: 'skip', skip: 'use reissue' });
    }
  });

  it('skips requests that are already done, and unreadable bodies', () => {
    for (const status of ['delivered', 'superseded', 'denied'] as const) {
      expect(decideReplay(deadLetter({ queue: 'requests', kind: 'request' }), record(status), null, NOW)).toMatchObject({ action: 'skip', skip: 'done' });
    }
    expect(decideReplay(deadLetter({ kind: 'unreadable' }), undefined, null, NOW)).toMatchObject({ action: 'skip', skip: 'unreadable' });
  });
});

describe('dlq reissue decisions', () => {
  it('re-issues an expired or superseded delivery of a dead-lettered or failed request', () => {
    expect(decideReissue(deadLetter({ reason: 'TapExpired' }), record('dead-lettered'), current, NOW)).toEqual({ action: 'reissue' });
    expect(decideReissue(deadLetter(), record('failed'), { targetId: TARGET, currentTapId: 'newer' }, NOW)).toEqual({ action: 'reissue' });
  });

  it('points a still-valid TAP to replay, and leaves done or in-progress requests alone', () => {
    expect(decideReissue(deadLetter(), record('dead-lettered'), current, NOW)).toMatchObject({ skip: 'use replay' });
    expect(decideReissue(deadLetter({ reason: 'TapExpired' }), record('delivered'), current, NOW)).toMatchObject({ skip: 'done' });
    expect(decideReissue(deadLetter({ reason: 'TapExpired' }), record('issuing'), current, NOW)).toMatchObject({ skip: 'in progress' });
    expect(decideReissue(deadLetter({ queue: 'requests', kind: 'request' }), record('failed'), null, NOW)).toMatchObject({ skip: 'use replay' });
  });
});

describe('the replayed copy', () => {
  it('derives its id from the lineage and the ordinal, so a re-run sends the same id', () => {
    expect(replayMessageId('abc', 1)).toBe('abc:replay:1');
    expect(replayMessageId('abc:replay:1', 2)).toBe('abc:replay:2');
    expect(replayMessageId('retry:s:3', 1)).toBe('retry:s:3:replay:1');
  });

  it('drops the dead-letter properties and the retry budget, keeps the rest, and counts the replay', () => {
    const message = {
      body: '{"x":1}', messageId: 'abc', contentType: 'application/json', correlationId: REQUEST,
      applicationProperties: { DeadLetterReason: 'GraphForbidden', DeadLetterErrorDescription: 'no', 'tapline-attempt': 4, 'tapline-last-error': 'e', traceparent: 't', 'tapline-replay': 1 },
      expiresAtUtc: new Date(NOW + 60_000),
    } as unknown as ServiceBusReceivedMessage;
    const copy = replayCopy(message, deadLetter({ replayOrdinal: 1 }), NOW);
    expect(copy).toMatchObject({ body: '{"x":1}', messageId: 'abc:replay:2', contentType: 'application/json', correlationId: REQUEST, timeToLive: 60_000 });
    expect(copy.applicationProperties).toEqual({ traceparent: 't', 'tapline-replay': 2 });
  });
});

describe('selection', () => {
  it('parses durations ago and ISO times, and refuses anything else', () => {
    expect(parseWhen('2h', NOW).toISOString()).toBe('2026-12-07T01:00:00.000Z');
    expect(parseWhen('2026-12-01T00:00:00Z', NOW).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(() => parseWhen('yesterday', NOW)).toThrow(/duration/);
  });

  it('combines filters with AND and ids with OR', () => {
    const dl = deadLetter({ reason: 'GraphForbidden' });
    expect(matches(dl, { queues: ['deliveries'], reasons: ['graphforbidden'] })).toBe(true);
    expect(matches(dl, { queues: ['requests'] })).toBe(false);
    expect(matches(dl, { queues: ['deliveries'], since: new Date(NOW) })).toBe(false);
    expect(matches(dl, { queues: ['deliveries'], requestIds: ['other'], sequences: [{ queue: 'deliveries', sequenceNumber: 7 }] })).toBe(true);
    expect(matches(dl, { queues: ['deliveries'], requestIds: ['other'] })).toBe(false);
    expect(matches(dl, { queues: ['deliveries'], targetId: TARGET.toUpperCase() })).toBe(true);
  });
});

describe('the rate limit', () => {
  it('spaces messages 1/rate apart at low rates, and lets a late timer catch up at high ones', async () => {
    let clock = 0;
    const slept: number[] = [];
    const sleep = (ms: number) => {
      slept.push(ms);
      clock += ms;
      return Promise.resolve();
    };
    const slow = pacer(10, () => clock, sleep);
    for (let i = 0; i < 5; i++) await slow();
    expect(clock).toBe(400); // the first is free, then 100 ms each

    clock = 0;
    slept.length = 0;
    const fast = pacer(1000, () => clock, sleep);
    await fast();
    clock += 50; // the event loop was busy for 50 ms: 50 messages' worth of tokens are back
    for (let i = 0; i < 50; i++) await fast();
    expect(slept).toEqual([]);
    expect(clock).toBe(50);
  });
});
