// What a handler decides for a message. The consumer maps each kind to exactly one settlement
// (DESIGN section 5, STYLE practice 4), in `settle.ts`.

import type { DeadLetterReason } from '@tapline/domain';

export type Outcome =
  /** Done (success, denial, superseded, duplicate): remove the message. */
  | { readonly kind: 'complete' }
  /**
   * Transient failure past the in-process retries: send a copy scheduled `delayMs` ahead carrying
   * attempt `attempt + 1`, then complete the original. `attempt` is the attempt that just failed.
   */
  | { readonly kind: 'retryLater'; readonly delayMs: number; readonly attempt: number; readonly lastError: string }
  /** Permanent failure: to the dead-letter queue with a reason from the closed set. */
  | { readonly kind: 'deadLetter'; readonly reason: DeadLetterReason; readonly description: string }
  /** A bug: hand the message back for broker redelivery (ends in MaxDeliveryCountExceeded). */
  | { readonly kind: 'abandon'; readonly error: unknown };

export const complete = (): Outcome => ({ kind: 'complete' });
