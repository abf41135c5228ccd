import { describe, expect, it } from 'vitest';
import { defaultTopologyPath, loadTopology, parseIsoDuration, validateTopology } from '../src/index.js';
import { TEST_TOPOLOGY } from './helpers.js';

describe('ISO 8601 durations', () => {
  it.each([
    ['PT1M', 60_000],
    ['PT0.5S', 500],
    ['P14D', 14 * 86_400_000],
    ['P1DT2H3M4S', 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000],
    ['P2W', 14 * 86_400_000],
  ])('%s is %d ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each(['1 minute', 'P', 'PT', 'P1M', 'P1Y', 'PT1.5M', '-PT1M'])('refuses %s', (text) => {
    expect(() => parseIsoDuration(text)).toThrow(/ISO 8601/);
  });
});

describe('topology', () => {
  it('infra/topology.json defines tap-requests and tap-deliveries within Azure Standard limits', () => {
    const queues = loadTopology(defaultTopologyPath, { azureLimits: true });
    expect(queues.map((q) => q.name).sort()).toEqual(['tap-deliveries', 'tap-requests']);
    const deliveries = queues.find((q) => q.name === 'tap-deliveries')!;
    // A delivery must not expire before the longest TAP the policy allows (43,200 minutes).
    expect(deliveries.defaultMessageTimeToLiveMs).toBeGreaterThanOrEqual(43_200 * 60_000);
    for (const queue of queues) {
      expect(queue.requiresDuplicateDetection).toBe(true);
      expect(queue.deadLetteringOnMessageExpiration).toBe(true);
    }
  });

  it('the test topology is valid for the emulator (its short locks would not be for Azure)', () => {
    expect(loadTopology(TEST_TOPOLOGY).length).toBeGreaterThan(10);
    expect(() => loadTopology(TEST_TOPOLOGY, { azureLimits: true })).toThrow(/PT5S/);
  });

  it("fills in Azure's defaults", () => {
    const [queue] = validateTopology({ queues: { q: {} } });
    expect(queue).toEqual({
      name: 'q',
      lockDurationMs: 60_000,
      maxDeliveryCount: 10,
      requiresDuplicateDetection: false,
      duplicateDetectionWindowMs: 600_000,
      defaultMessageTimeToLiveMs: Number.POSITIVE_INFINITY,
      deadLetteringOnMessageExpiration: false,
      maxSizeBytes: 1024 * 1024 * 1024,
    });
  });

  it.each([
    [{ queues: { q: { lockDuration: 'PT6M' } } }, /PT5M/],
    [{ queues: { q: { maxDeliveryCount: 0 } } }, /positive integer/],
    [{ queues: { q: { requiresSession: true } } }, /not emulated/],
    [{ queues: { q: { forwardTo: 'other' } } }, /not emulated/],
    [{ queues: { q: { lockDurration: 'PT1M' } } }, /unknown property "lockDurration"/],
    [{ queues: { 'bad name': {} } }, /not a valid entity name/],
    [{ queues: { Q: {}, q: {} } }, /case-insensitive/],
    [{ topics: {} }, /"queues"/],
  ])('refuses %j', (topology, message) => {
    expect(() => validateTopology(topology)).toThrow(message);
  });

  it('accepts ARM properties it does not model, so the file stays ARM-shaped', () => {
    expect(validateTopology({ queues: { q: { enablePartitioning: false, status: 'Active', requiresSession: false } } })).toHaveLength(1);
  });
});
