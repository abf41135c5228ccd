// What the handlers are built from. One composition root (main.ts) fills these in; tests fill
// them with fakes (a local JWKS, the in-memory sender, a capturing logger).
import type { EligibilityPolicy } from '@tapline/domain';
import type { Authenticator } from './auth/authenticator.js';
import type { Logger } from './logs.js';
import type { IntakeMetrics } from './metrics.js';
import type { RequestQueueSender } from './queue/request-queue.js';

/** The part of the configuration the handlers act on. */
export interface IntakeSettings {
  readonly bodyLimitBytes: number;
  /**
   * Stages and request types this deployment acts on (default: onBehalfAdd at
   * assignmentRequestApproved or assignmentRequestGranted); anything else is answered 202 and
   * not enqueued. The worker checks the same rule again (eligibility check 1).
   */
  readonly handled: EligibilityPolicy['handled'];
  /** Retry-After (seconds) on 503. */
  readonly retryAfterSeconds: number;
  /** The queue's name, for the enqueue span (default tap-requests). */
  readonly queueName?: string;
}

export interface IntakePorts {
  readonly authenticator: Authenticator;
  readonly sender: RequestQueueSender;
  readonly logger: Logger;
  readonly metrics: IntakeMetrics;
  readonly settings: IntakeSettings;
  readonly clock: () => Date;
}
