// One provider call under the channel's rate gate, with the in-process part of DESIGN section 5's
// retry policy: retry while the budget (kept well inside the message lock) lasts, honouring
// Retry-After through the gate (so every send of the channel waits, not only this one), with
// jittered exponential backoff when the provider gave no Retry-After. Past the budget the
// RetryableError goes to the consumer, which schedules a delayed retry of the whole message.
import { isRetryable, type RetryableError } from '@tapline/domain';
import type { RateGate, Sleep } from './rate-gate.js';

export interface RetryBudget {
  /** Total time this call may spend retrying in process. */
  readonly budgetMs: number;
  readonly baseBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxAttempts: number;
}

export interface ProviderCallDeps {
  /** Absent for calls without a provider rate limit to respect (Entra's resume). */
  readonly gate?: RateGate;
  readonly now: () => number;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly budget: RetryBudget;
  /** Told about each retryable failure before the wait (for logs and metrics). */
  readonly onRetry?: (err: RetryableError, waitMs: number, attempt: number) => void;
}

export function backoffMs(attempt: number, budget: RetryBudget, random: () => number): number {
  const ceiling = Math.min(budget.maxBackoffMs, budget.baseBackoffMs * 2 ** (attempt - 1));
  // "Full jitter": spreads retries of many messages that failed together.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export async function callProvider<T>(deps: ProviderCallDeps, call: () => Promise<T>): Promise<T> {
  const deadline = deps.now() + deps.budget.budgetMs;
  for (let attempt = 1; ; attempt += 1) {
    await deps.gate?.acquire();
    try {
      return await call();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      const throttled = err.retryAfterMs !== undefined;
      const waitMs = err.retryAfterMs ?? backoffMs(attempt, deps.budget, deps.random);
      const now = deps.now();
      if (throttled) deps.gate?.pauseUntil(now + waitMs);
      if (attempt >= deps.budget.maxAttempts || now + waitMs > deadline) throw err;
      deps.onRetry?.(err, waitMs, attempt);
      // A throttled call waits in the gate (with everyone else); a failed one backs off alone.
      if (!throttled || deps.gate === undefined) await deps.sleep(waitMs);
    }
  }
}
