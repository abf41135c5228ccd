// For tests: record every span of this process in memory (the global tracer provider), with the
// same scrubbing as the exporters, so a test can assert on trace context and span attributes.
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { ensureTraceContext, forgetTracers } from './tracing.js';

export interface SpanRecorder {
  spans(): ReadableSpan[];
  reset(): void;
}

let recorder: SpanRecorder | undefined;

export function recordSpans(): SpanRecorder {
  if (recorder !== undefined) return recorder;
  ensureTraceContext();
  const exporter = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
  forgetTracers();
  recorder = { spans: () => exporter.getFinishedSpans(), reset: () => exporter.reset() };
  return recorder;
}
