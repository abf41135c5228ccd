// The contract of the RequestQueueSender port, run against the in-memory fake and the real
// Service Bus sender (against the emulator process), so the fake the handler tests rely on
// cannot drift from the adapter production uses.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRetryable } from '@tapline/domain';
import type { ApplicationPropertyValue, OutgoingRequest, RequestQueueSender } from '../../src/queue/request-queue.js';

export interface ReceivedRequest {
  readonly messageId: string;
  readonly correlationId: string | undefined;
  readonly contentType: string | undefined;
  readonly body: unknown;
  readonly applicationProperties: Record<string, ApplicationPropertyValue>;
}

export interface SenderHarness {
  readonly sender: RequestQueueSender;
  /**
   * Everything that reached the queue among `messageIds`: waits until at least `atLeast` arrived
   * (bounded), then a short quiet period, so an unwanted extra copy would be seen too.
   */
  received(messageIds: readonly string[], atLeast: number): Promise<ReceivedRequest[]>;
  /** A sender of the same kind whose broker cannot be reached. */
  unreachableSender(): Promise<RequestQueueSender>;
  close(): Promise<void>;
}

function request(overrides: Partial<OutgoingRequest> = {}): OutgoingRequest {
  const requestId = randomUUID();
  return {
    messageId: randomUUID(),
    correlationId: requestId,
    body: JSON.stringify({ schemaVersion: 1, requestId, nested: { list: [1, 'two', null, true] }, text: 'ünïcødé ✓' }),
    applicationProperties: { traceparent: `00-${randomUUID().replace(/-/g, '')}-00f067aa0ba902b7-01`, attempt: 1, replay: false },
    ...overrides,
  };
}

export function describeSenderConformance(name: string, setup: () => Promise<SenderHarness>): void {
  describe(`RequestQueueSender conformance: ${name}`, () => {
    let harness: SenderHarness;
    beforeAll(async () => {
      harness = await setup();
    });
    afterAll(async () => {
      await harness.close();
    });

    it('delivers the message with its id, correlation id, JSON body, content type and properties', async () => {
      const sent = request();
      await harness.sender.send(sent);
      const [got, ...extra] = await harness.received([sent.messageId], 1);
      expect(extra).toEqual([]);
      expect(got).toEqual({
        messageId: sent.messageId,
        correlationId: sent.correlationId,
        contentType: 'application/json',
        body: JSON.parse(sent.body) as unknown,
        applicationProperties: sent.applicationProperties,
      });
    });

    it('keeps one message when the same message id is sent twice (duplicate detection)', async () => {
      const first = request();
      await harness.sender.send(first);
      await harness.sender.send({ ...first, body: JSON.stringify({ second: true }) });
      const got = await harness.received([first.messageId], 1);
      expect(got).toHaveLength(1);
      expect(got[0]?.body).toEqual(JSON.parse(first.body));
    });

    it('keeps one message when the same message id is sent twice at once (within one batch)', async () => {
      const filler = Array.from({ length: 6 }, () => request());
      const twin = request();
      await Promise.all([...filler, twin, { ...twin, body: JSON.stringify({ second: true }) }].map((r) => harness.sender.send(r)));
      const got = await harness.received([twin, ...filler].map((r) => r.messageId), filler.length + 1);
      expect(got.filter((r) => r.messageId === twin.messageId)).toHaveLength(1);
      expect(got).toHaveLength(filler.length + 1);
    });

    it('sends many messages concurrently over one sender, none lost', async () => {
      const batch = Array.from({ length: 40 }, () => request());
      await Promise.all(batch.map((r) => harness.sender.send(r)));
      const got = await harness.received(batch.map((r) => r.messageId), batch.length);
      expect(new Set(got.map((r) => r.messageId))).toEqual(new Set(batch.map((r) => r.messageId)));
      expect(got).toHaveLength(batch.length);
    });

    it('rejects with a RetryableError, well within a second, when the broker cannot be reached', async () => {
      const sender = await harness.unreachableSender();
      const started = performance.now();
      const error = await sender.send(request()).then(
        () => undefined,
        (e: unknown) => e,
      );
      const elapsed = performance.now() - started;
      await sender.close();
      expect(isRetryable(error)).toBe(true);
      expect(elapsed).toBeLessThan(1_000);
    });

    it('opens ahead of the first send; open() on an unreachable broker rejects with a RetryableError', async () => {
      await harness.sender.open();
      const down = await harness.unreachableSender();
      const error = await down.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      await down.close();
      expect(isRetryable(error)).toBe(true);
    });

    it('refuses to send after close', async () => {
      const sender = await harness.unreachableSender();
      await sender.close();
      await expect(sender.send(request())).rejects.toThrow(/closed/);
    });
  });
}
