// The services pass their @tapline/observability logger straight into the consumer.

import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '@tapline/observability';
import { startConsumer } from '@tapline/messaging';
import type { Logger } from '@tapline/messaging';
import { createFakeBus } from './fake-bus.js';

describe('with the project logger', () => {
  it('is accepted as the consumer logger, and per-message lines carry the ids but no body', async () => {
    const lines: string[] = [];
    const destination = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    const logger: Logger = createLogger({ name: 'test', level: 'debug', destination });
    const bus = createFakeBus();
    startConsumer({ bus, queue: 'q', maxConcurrentCalls: 1, logger, decode: (m) => m, handle: () => Promise.resolve({ kind: 'abandon', error: new Error('boom') }) });
    await bus.deliver({ messageId: 'm-42', correlationId: 'c-42', body: { marker: 'BODY-MARKER-123' } });
    const abandoned = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.event === 'message.abandoned');
    expect(abandoned).toMatchObject({ messageId: 'm-42', correlationId: 'c-42', deliveryCount: 0, queue: 'q' });
    expect(lines.join('')).not.toContain('BODY-MARKER-123');
  });
});
