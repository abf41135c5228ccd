// @tapline/telemetry-stand-in: the local stack's telemetry backend. See README.md.
export { startTelemetryStandIn } from './server.js';
export type { StandInOptions, TelemetryStandIn } from './server.js';
export { TelemetryStore, quantile } from './store.js';
export type { MergedHistogram } from './store.js';
export { summarise } from './summary.js';
export type { Summary, RecentRequest, DeadLetterGroup, DeadLetterSeen, TimelineStep } from './summary.js';
export { traceTree } from './trace-tree.js';
export type { TraceNode } from './trace-tree.js';
export { decodeMetrics, decodeTraces } from './otlp.js';
export type { StoredPoint, StoredSpan } from './otlp.js';
