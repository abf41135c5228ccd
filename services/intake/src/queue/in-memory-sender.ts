// The in-memory `tap-requests` queue: the test fake for the sender port, shipped beside the real
// adapter and run through the same conformance suite. It models what a caller of the port can
// observe of the real queue: a JSON round trip of the body, duplicate detection by messageId
// within a window, and an unavailable broker.
import { RetryableError } from '@tapline/domain';
import { REQUEST_CONTENT_TYPE } from './request-queue.js';
import type { ApplicationPropertyValue, OutgoingRequest, RequestQueueSender } from './request-queue.js';

export interface QueuedRequest {
  readonly messageId: string;
  readonly correlationId: string;
  readonly contentType: string;
  readonly body: unknown;
  readonly applicationProperties: Readonly<Record<string, ApplicationPropertyValue>>;
  readonly enqueuedAt: Date;
}

export interface InMemoryRequestQueue extends RequestQueueSender {
  /** Messages accepted so far (duplicates dropped), oldest first; removes them from the queue. */
  drain(): QueuedRequest[];
  /** Messages accepted so far, without removing them. */
  peek(): readonly QueuedRequest[];
  /** While unavailable, every send rejects with RetryableError, as the real sender does. */
  setAvailable(available: boolean): void;
  /** Sends seen, duplicates included. */
  readonly sendCount: number;
}

export interface InMemoryRequestQueueOptions {
  /** The queue's duplicateDetectionHistoryTimeWindow (infra/topology.json: PT1H). */
  readonly duplicateWindowMs?: number;
  readonly clock?: () => Date;
}

export function createInMemoryRequestQueue(options: InMemoryRequestQueueOptions = {}): InMemoryRequestQueue {
  const windowMs = options.duplicateWindowMs ?? 60 * 60 * 1000;
  const clock = options.clock ?? (() => new Date());
  const queue: QueuedRequest[] = [];
  const seen = new Map<string, number>();
  let available = true;
  let closed = false;
  let sendCount = 0;

  return {
    send(request: OutgoingRequest): Promise<void> {
      sendCount++;
      if (closed) return Promise.reject(new Error('The request queue sender is closed'));
      if (!available) return Promise.reject(new RetryableError('Service Bus unavailable (in-memory queue switched off)'));
      const now = clock();
      const firstSeen = seen.get(request.messageId);
      if (firstSeen !== undefined && now.getTime() - firstSeen < windowMs) return Promise.resolve();
      seen.set(request.messageId, now.getTime());
      queue.push({
        messageId: request.messageId,
        correlationId: request.correlationId,
        contentType: REQUEST_CONTENT_TYPE,
        // What a receiver gets from the SDK for a JSON data section: the parsed value.
        body: JSON.parse(request.body) as unknown,
        applicationProperties: { ...request.applicationProperties },
        enqueuedAt: now,
      });
      return Promise.resolve();
    },
    open(): Promise<void> {
      if (closed) return Promise.reject(new Error('The request queue sender is closed'));
      if (!available) return Promise.reject(new RetryableError('Service Bus unavailable (in-memory queue switched off)'));
      return Promise.resolve();
    },
    close(): Promise<void> {
      closed = true;
      return Promise.resolve();
    },
    drain: () => queue.splice(0, queue.length),
    peek: () => [...queue],
    setAvailable(value: boolean) {
      available = value;
    },
    get sendCount() {
      return sendCount;
    },
  };
}
