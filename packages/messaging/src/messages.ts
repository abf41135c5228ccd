// Message shapes at this package's edge: what callers send and what handlers receive. Bodies are
// opaque here (the domain's codecs give them meaning); this package never logs them.

export type PropertyValue = string | number | boolean | Date;

export interface OutboundMessage {
  readonly body: unknown;
  /** Deterministic ids make the broker's duplicate detection drop a retried send. */
  readonly messageId: string;
  readonly correlationId?: string;
  readonly contentType?: string;
  readonly subject?: string;
  readonly applicationProperties?: Readonly<Record<string, PropertyValue>>;
  readonly timeToLiveMs?: number;
  readonly scheduledEnqueueTime?: Date;
}

export interface InboundMessage {
  readonly messageId: string;
  readonly correlationId?: string;
  readonly contentType?: string;
  readonly subject?: string;
  readonly body: unknown;
  readonly applicationProperties: Readonly<Record<string, unknown>>;
  /** Previous deliveries of this very message (0 on the first); broker-counted. */
  readonly deliveryCount: number;
  readonly enqueuedTimeUtc?: Date;
  readonly expiresAtUtc?: Date;
}

/** Application property carrying the delayed-retry attempt (1 on the original message). */
export const ATTEMPT_PROPERTY = 'tapline-attempt';
/** When the intake accepted the request (ISO 8601), carried on deliveries for the end-to-end duration. */
export const RECEIVED_AT_PROPERTY = 'tapline-received-at';

/** Reads the delayed-retry attempt of a received message (1 when absent or malformed). */
export function attemptOf(message: Pick<InboundMessage, 'applicationProperties'>): number {
  const v = message.applicationProperties[ATTEMPT_PROPERTY];
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

/** The id of the retry copy: derived from the first message's id so every path agrees on it. */
export function retryMessageId(messageId: string, nextAttempt: number): string {
  const origin = messageId.replace(/:retry:\d+$/, '');
  return `${origin}:retry:${nextAttempt}`;
}
