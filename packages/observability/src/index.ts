/**
 * @tapline/observability: structured logging with redaction (trace and span ids on every line in
 * a trace), event logging by stable names, and OpenTelemetry traces and metrics (DESIGN section 9):
 * the metric list, the SDK set-up and exporters, span helpers and message trace context.
 */
export { createLogger, childLogger } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { registerSecret, registeredSecretCount, clearRegisteredSecrets, SECRET_REGISTRY_MAX_ENTRIES, SECRET_REGISTRY_DEFAULT_TTL_MS } from './secret-registry.js';
export { redactForLog, isSensitiveKey, REDACTED } from './redact.js';
export { eventLog } from './event-log.js';
export type { EventFields, EventLog, EventLogger } from './event-log.js';
export { serveMetrics } from './metrics-endpoint.js';
export type { MetricsEndpoint, MetricsHandler } from './metrics-endpoint.js';
export { METRICS, METRIC_NAMES, ATTR, MESSAGING_SYSTEM } from './metric-names.js';
export type { MetricDefinition, MetricKey, InstrumentKind, ServiceName } from './metric-names.js';
export { startTelemetry, metricIntervalMs } from './telemetry.js';
export { RateLimitedSampler, traceSampling, DEFAULT_TRACES_PER_SECOND } from './sampling.js';
export type { TraceSampling } from './sampling.js';
export type { Telemetry, TelemetryOptions, TelemetryExport } from './telemetry.js';
export { createRecorder, DURATION_BUCKETS_S } from './instruments.js';
export type { Recorder, Labels } from './instruments.js';
export { linksFrom, ensureTraceContext, tracer, inSpan, inSpanSync, markError, extractContext, contextProperties, traceFields, SPAN_ATTR, SpanKind, SpanStatusCode, context, trace } from './tracing.js';
export type { Attributes, Context, Span, SpanOptions } from './tracing.js';
