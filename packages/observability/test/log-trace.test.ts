import { describe, expect, it } from 'vitest';
import { createLogger, inSpan } from '../src/index.js';
import { recordSpans } from '../src/testing.js';

describe('log lines in a trace', () => {
  it('carry the active span\'s trace_id and span_id, and none outside a trace', async () => {
    const spans = recordSpans();
    const chunks: string[] = [];
    const logger = createLogger({ name: 'test', destination: { write: (s: string) => void chunks.push(s) } });
    logger.info({ where: 'outside' }, 'before');
    await inSpan('test', 'step', {}, async (span) => {
      logger.info({ where: 'inside', trace_id: 'a field of the line wins' }, 'during');
      logger.info('plain');
      expect(span.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
      await Promise.resolve();
    });
    const [outside, inside, plain] = chunks.map((c) => JSON.parse(c) as Record<string, unknown>);
    const [span] = spans.spans();
    expect(outside).not.toHaveProperty('trace_id');
    expect(inside).toMatchObject({ where: 'inside', trace_id: 'a field of the line wins', span_id: span?.spanContext().spanId });
    expect(plain).toMatchObject({ trace_id: span?.spanContext().traceId, span_id: span?.spanContext().spanId });
  });
});
