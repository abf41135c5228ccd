// Follows one request in the ledger until it comes to rest (terminal, or waiting for an operator)
// or the deadline passes, reporting each new timeline step once. Bounded in time and in rounds.

import { isAtRest, isRetryable } from '@tapline/domain';
import type { Ledger, RequestRecord } from '@tapline/ledger';
import { timelineOf } from './timeline.js';
import type { TimelineStep } from './timeline.js';

export type LedgerReader = Pick<Ledger, 'getRequest' | 'listAudit'>;

export interface FollowOptions {
  readonly ledger: LedgerReader;
  readonly requestId: string;
  readonly timeoutMs: number;
  readonly pollMs: number;
  readonly onStep: (step: TimelineStep) => void;
  /**
   * How long to keep reading after the request comes to rest: the services append audit events
   * just after the last move (Entra resumed, manager notified). Default 1 s; bounded by the timeout.
   */
  readonly settleMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface FollowResult {
  /** The last row read, or null if the worker never recorded the request. */
  readonly record: RequestRecord | null;
  readonly atRest: boolean;
  /** The last transient ledger error, when the deadline passed while the ledger was failing. */
  readonly lastError?: string;
}

export const DEFAULT_SETTLE_MS = 1000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function followRequest(options: FollowOptions): Promise<FollowResult> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const deadline = now() + options.timeoutMs;
  const maxRounds = Math.ceil(options.timeoutMs / Math.max(1, options.pollMs)) + 2;
  const printed = new Set<string>();
  let record: RequestRecord | null = null;
  let lastError: string | undefined;
  let restingSince: number | undefined;
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;

  for (let round = 0; round < maxRounds; round++) {
    try {
      record = await options.ledger.getRequest(options.requestId);
      // The audit table exists once a request row does (the services create their tables first).
      const audit = record ? await options.ledger.listAudit({ requestId: options.requestId }) : [];
      lastError = undefined;
      if (record) {
        for (const step of timelineOf(record, audit)) {
          if (printed.has(step.key)) continue;
          printed.add(step.key);
          options.onStep(step);
        }
        if (isAtRest(record.status)) {
          restingSince ??= now();
          if (now() - restingSince >= settleMs) return { record, atRest: true };
        } else {
          restingSince = undefined;
        }
      }
    } catch (err) {
      if (!isRetryable(err)) throw err;
      lastError = err.message;
    }
    if (now() >= deadline) break;
    await sleep(Math.min(options.pollMs, Math.max(0, deadline - now())));
  }
  const atRest = record !== null && isAtRest(record.status);
  return { record, atRest, ...(lastError !== undefined && { lastError }) };
}
