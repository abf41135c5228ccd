import { describe, expect, it } from 'vitest';
import {
  IllegalTransition,
  REQUEST_STATUSES,
  REQUEST_STATUS_TRANSITIONS,
  type RequestStatus,
  assertTransition,
  canTransition,
  isAtRest,
  isRequestStatus,
  isTerminal,
} from '../src/index.js';

// Written out independently of the implementation's table: the design's edges, and only those.
const EXPECTED_EDGES: ReadonlyArray<readonly [RequestStatus, RequestStatus]> = [
  ['received', 'received'],
  ['received', 'denied'],
  ['received', 'issuing'],
  ['received', 'failed'],
  ['received', 'dead-lettered'],
  ['issuing', 'issuing'],
  ['issuing', 'issued'],
  ['issuing', 'denied'],
  ['issuing', 'failed'],
  ['issuing', 'dead-lettered'],
  ['issued', 'delivered'],
  ['issued', 'superseded'],
  ['issued', 'issuing'],
  ['issued', 'failed'],
  ['issued', 'dead-lettered'],
  ['failed', 'received'],
  ['failed', 'issuing'],
  ['failed', 'issued'],
  ['dead-lettered', 'received'],
  ['dead-lettered', 'issuing'],
  ['dead-lettered', 'issued'],
];

const allowed = new Set(EXPECTED_EDGES.map(([from, to]) => `${from}>${to}`));
const allPairs = REQUEST_STATUSES.flatMap((from) => REQUEST_STATUSES.map((to) => [from, to] as const));

describe('request status state machine', () => {
  it.each(EXPECTED_EDGES)('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
    expect(() => assertTransition(from, to)).not.toThrow();
  });

  it.each(allPairs.filter(([from, to]) => !allowed.has(`${from}>${to}`)))('refuses %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
    let thrown: unknown;
    try {
      assertTransition(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(IllegalTransition);
    expect(thrown).toMatchObject({ from, to, message: `request status cannot move from ${from} to ${to}` });
  });

  it('documents why for every edge', () => {
    expect(REQUEST_STATUS_TRANSITIONS).toHaveLength(EXPECTED_EDGES.length);
    for (const t of REQUEST_STATUS_TRANSITIONS) expect(t.why.length, `${t.from}>${t.to}`).toBeGreaterThan(10);
  });

  it('has exactly three terminal statuses, and two more that wait for an operator', () => {
    expect(REQUEST_STATUSES.filter(isTerminal)).toEqual(['denied', 'delivered', 'superseded']);
    expect(REQUEST_STATUSES.filter(isAtRest)).toEqual(['denied', 'delivered', 'superseded', 'failed', 'dead-lettered']);
  });

  it('reaches every status from received', () => {
    const reached = new Set<RequestStatus>(['received']);
    for (let i = 0; i < REQUEST_STATUSES.length; i++) {
      for (const [from, to] of EXPECTED_EDGES) if (reached.has(from)) reached.add(to);
    }
    expect([...reached].sort()).toEqual([...REQUEST_STATUSES].sort());
  });

  it('recognises status strings', () => {
    expect(isRequestStatus('dead-lettered')).toBe(true);
    expect(isRequestStatus('deadLettered')).toBe(false);
  });
});
