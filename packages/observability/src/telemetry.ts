// OpenTelemetry for one process (DESIGN section 9): traces and metrics on the standard API, sent
// the standard way.
// - APPLICATIONINSIGHTS_CONNECTION_STRING set: Azure Monitor through @azure/monitor-opentelemetry.
// - else OTEL_EXPORTER_OTLP_ENDPOINT set: OTLP over HTTP with JSON bodies to `<endpoint>/v1/traces`
//   and `<endpoint>/v1/metrics` (the local stack's telemetry stand-in, or any collector).
// - else: context still propagates (trace ids ride on to the next hop and into logs), nothing is
//   recorded or sent.
// Every span attribute passes the same scrubber as log lines before it leaves the process.
import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import * as coreTracing from '@azure/core-tracing';
import { createAzureSdkInstrumentation, type AzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { MetricsHandler } from './metrics-endpoint.js';
import { scrubString } from './redact.js';
import { SPAN_ATTR, ensureTraceContext } from './tracing.js';

export type TelemetryExport = 'azure-monitor' | 'otlp' | 'none';

export interface TelemetryOptions {
  /** OpenTelemetry `service.name`: tapline-intake, tapline-worker, tapline-notifier. */
  readonly serviceName: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also keep the metrics for a Prometheus scrape (`prometheusHandler`, for `serveMetrics`). */
  readonly prometheus?: boolean;
}

export interface Telemetry {
  readonly exporting: TelemetryExport;
  /** Answers a Prometheus scrape, when asked for with `prometheus: true`. */
  readonly prometheusHandler?: MetricsHandler;
  /** Sends what is buffered now (tests, and before a planned exit). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting; the API falls back to no-ops. */
  shutdown(): Promise<void>;
}

const DEFAULT_METRIC_INTERVAL_MS = 60_000;
const DEFAULT_SPAN_DELAY_MS = 5_000;

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  ensureTraceContext();
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  if (!disabled && connectionString !== undefined && connectionString !== '') return startAzureMonitor(options.serviceName, connectionString);
  const otlp = !disabled && endpoint !== undefined && endpoint !== '' ? endpoint.replace(/\/+$/, '') : undefined;
  if (otlp === undefined && options.prometheus !== true) return noTelemetry;
  return startSdk(options.serviceName, otlp, options.prometheus === true, env);
}

const noTelemetry: Telemetry = { exporting: 'none', flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** How often metrics are collected (OTEL_METRIC_EXPORT_INTERVAL, default 60 s): pollers feeding gauges use it too. */
export function metricIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return positive(env.OTEL_METRIC_EXPORT_INTERVAL, DEFAULT_METRIC_INTERVAL_MS);
}

function startSdk(serviceName: string, otlp: string | undefined, prometheus: boolean, env: NodeJS.ProcessEnv): Telemetry {
  const resource = resourceFromAttributes({ 'service.name': serviceName, 'service.namespace': 'tapline', 'service.instance.id': `${serviceName}-${process.pid}` });
  const scrape = prometheus ? new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true }) : undefined;
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      ...(otlp === undefined ? [] : [new PeriodicExportingMetricReader({
        // Cumulative: each export carries the running totals, so a lost export loses no count.
        exporter: new OTLPMetricExporter({ url: `${otlp}/v1/metrics`, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
        exportIntervalMillis: metricIntervalMs(env),
      })]),
      ...(scrape === undefined ? [] : [scrape]),
    ],
  });
  metrics.setGlobalMeterProvider(meterProvider);
  const tracerProvider = otlp === undefined ? undefined : new TracerProvider({
    resource,
    spanProcessors: [
      scrubbingProcessor,
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }),
        scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY, DEFAULT_SPAN_DELAY_MS),
      }),
    ],
  });
  let undici: UndiciInstrumentation | undefined;
  if (tracerProvider !== undefined) {
    trace.setGlobalTracerProvider(tracerProvider);
    undici = new UndiciInstrumentation();
    undici.setTracerProvider(tracerProvider);
    undici.setMeterProvider(meterProvider);
    undici.enable();
    useAzureSdkTracing();
  }
  return {
    exporting: otlp === undefined ? 'none' : 'otlp',
    ...(scrape !== undefined && { prometheusHandler: (req, res) => scrape.getMetricsRequestHandler(req, res) }),
    flush: async () => {
      await Promise.all([tracerProvider?.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown: async () => {
      undici?.disable();
      await Promise.all([tracerProvider?.shutdown(), meterProvider.shutdown()]);
      if (tracerProvider !== undefined) trace.disable();
      metrics.disable();
    },
  };
}

async function startAzureMonitor(serviceName: string, connectionString: string): Promise<Telemetry> {
  // Loaded only here: the distro pulls in its own SDK and instrumentations.
  const monitor = await import('@azure/monitor-opentelemetry');
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  monitor.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // Every trace, as locally: the distro's default keeps 5 traces per second, which would drop
    // most requests' traces at the intake's rate. Sampling is a deliberate later choice.
    samplingRatio: 1,
    tracesPerSecond: 0,
    instrumentationOptions: { azureSdk: { enabled: true }, http: { enabled: true } },
    spanProcessors: [scrubbingProcessor],
  });
  useAzureSdkTracing();
  return {
    exporting: 'azure-monitor',
    flush: () => Promise.resolve(),
    shutdown: () => monitor.shutdownAzureMonitor(),
  };
}

/**
 * The Azure SDK instrumentation hooks `require('@azure/core-tracing')`, which an ES module never
 * passes through; its module patch is applied to the imported module instead (core-tracing keeps
 * one instrumenter for its CJS and ESM builds).
 */
function useAzureSdkTracing(): void {
  const instrumentation = createAzureSdkInstrumentation({ enabled: false }) as AzureSdkInstrumentation;
  const definitions = instrumentation.getModuleDefinitions();
  for (const definition of definitions) definition.patch?.(coreTracing);
}

/** Runs every string attribute, event attribute and status message through the log scrubber. */
const scrubbingProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd(span: ReadableSpan) {
    scrubAttributes(span.attributes);
    for (const event of span.events) if (event.attributes) scrubAttributes(event.attributes);
    if (span.status.message !== undefined) (span.status as { message?: string }).message = scrubString(span.status.message);
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};

/**
 * Attributes whose values tapline sets from ids and closed sets, or that an instrumentation fills
 * from the protocol (a method, a route template, a queue name): they cannot hold a secret or a
 * contact, and skipping them keeps the scrubber off the per-request path. Everything else (URLs,
 * queries, error texts, anything a future instrumentation adds) is scrubbed.
 */
const CLOSED_KEYS = new Set([
  SPAN_ATTR.requestId, SPAN_ATTR.outcome, SPAN_ATTR.reason, SPAN_ATTR.channel, SPAN_ATTR.messageId,
  SPAN_ATTR.destination, SPAN_ATTR.system, SPAN_ATTR.operationName, SPAN_ATTR.operationType,
  'http.request.method', 'http.request.method_original', 'http.route', 'url.scheme', 'server.address',
  'network.peer.address', 'network.protocol.version', 'error.type', 'tap.intent',
]);

function scrubAttributes(attributes: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (typeof value !== 'string' || CLOSED_KEYS.has(key)) continue;
    // A URL is scrubbed decoded: `%2B1%20425...` hides a phone number from the shape scrubber.
    attributes[key] = scrubString(key.startsWith('url.') || key === 'http.url' ? decoded(value) : value);
  }
}

function decoded(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
