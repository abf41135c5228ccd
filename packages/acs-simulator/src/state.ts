import type { SimulatorConfig } from './config.js';
import { FaultTable } from './faults.js';
import { Outbox } from './outbox.js';
import { SlidingWindowLimiter } from './rate-limiter.js';
import { SmsRepeatabilityStore } from './repeatability.js';
import type { EmailOperation } from './email-operation.js';

/** Everything the simulated resource remembers; `POST /_sim/reset` empties all of it but the config. */
export interface SimulatorState {
  readonly config: SimulatorConfig;
  readonly outbox: Outbox;
  readonly faults: FaultTable;
  /** Keyed by sender number. */
  readonly smsLimiter: SlidingWindowLimiter;
  /** One key: the email limit is per resource (subscription), not per sender. */
  readonly emailLimiter: SlidingWindowLimiter;
  readonly smsRepeatability: SmsRepeatabilityStore;
  readonly emailOperations: Map<string, EmailOperation>;
}

export function createState(config: SimulatorConfig): SimulatorState {
  return {
    config,
    outbox: new Outbox(config.outboxFile),
    faults: new FaultTable(),
    smsLimiter: new SlidingWindowLimiter(config.smsPerWindow, config.rateWindowMs),
    emailLimiter: new SlidingWindowLimiter(config.emailPerWindow, config.rateWindowMs),
    smsRepeatability: new SmsRepeatabilityStore(config.repeatabilityWindowMs),
    emailOperations: new Map(),
  };
}

export function resetState(state: SimulatorState): void {
  state.outbox.clear();
  state.faults.clear();
  state.smsLimiter.reset();
  state.emailLimiter.reset();
  state.smsRepeatability.clear();
  state.emailOperations.clear();
}

/** Retry-After is whole seconds; round up so a client that waits exactly that long gets through. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}
