/**
 * @tapline/observability: structured logging with redaction, event logging by stable names, and
 * counters on a loopback /metrics endpoint. Traces join later.
 */
export { createLogger, childLogger } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { registerSecret, registeredSecretCount, clearRegisteredSecrets, SECRET_REGISTRY_MAX_ENTRIES, SECRET_REGISTRY_DEFAULT_TTL_MS } from './secret-registry.js';
export { redactForLog, isSensitiveKey, REDACTED } from './redact.js';
export { eventLog } from './event-log.js';
export type { EventFields, EventLog, EventLogger } from './event-log.js';
export { createCounters } from './counters.js';
export type { Counters, Labels } from './counters.js';
export { serveMetrics } from './metrics-endpoint.js';
export type { MetricsEndpoint } from './metrics-endpoint.js';
export { METRICS, METRIC_NAMES, ATTR, MESSAGING_SYSTEM } from './metric-names.js';
export type { MetricDefinition, MetricKey, InstrumentKind, ServiceName } from './metric-names.js';
