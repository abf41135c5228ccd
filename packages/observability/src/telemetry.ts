// OpenTelemetry for one process (DESIGN section 9): traces and metrics on the standard API, sent
// the standard way.
// - APPLICATIONINSIGHTS_CONNECTION_STRING set: Azure Monitor through @azure/monitor-opentelemetry.
// - else OTEL_EXPORTER_OTLP_ENDPOINT set: OTLP over HTTP with JSON bodies to `<endpoint>/v1/traces`
//   and `<endpoint>/v1/metrics` (the local stack's telemetry stand-in, or any collector).
// - else: context still propagates (trace ids ride on to the next hop and into logs), nothing is
//   recorded or sent.
// Every span attribute passes the same scrubber as log lines before it leaves the process.
import { randomFillSync } from 'node:crypto';
import { metrics, trace } from '@opentelemetry/api';
import { OTLPMetricExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { IdGenerator, ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import * as coreTracing from '@azure/core-tracing';
import { createAzureSdkInstrumentation, type AzureSdkInstrumentation } from '@azure/opentelemetry-instrumentation-azure-sdk';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import type { MetricsHandler } from './metrics-endpoint.js';
import { scrubString } from './redact.js';
import { traceSampling } from './sampling.js';
import type { TraceSampling } from './sampling.js';
import { SPAN_ATTR, ensureTraceContext, forgetTracers } from './tracing.js';

export type TelemetryExport = 'azure-monitor' | 'otlp' | 'none';

export interface TelemetryOptions {
  /** OpenTelemetry `service.name`: tapline-intake, tapline-worker, tapline-notifier. */
  readonly serviceName: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Also keep the metrics for a Prometheus scrape (`prometheusHandler`, for `serveMetrics`). */
  readonly prometheus?: boolean;
  /**
   * This process is where traces enter tapline (the intake): its sampler decides for itself
   * rather than follow the caller's flag (sampling.ts).
   */
  readonly edge?: boolean;
  /**
   * Spans for the Azure SDK clients' operations (default on). The intake turns it off: there it
   * is one `ServiceBusSender.send` span per batch and cost about 5 % of the intake's throughput
   * on its own, while the intake's request span already times the enqueue (docs/benchmarks.md).
   */
  readonly azureSdk?: boolean;
}

export interface Telemetry {
  readonly exporting: TelemetryExport;
  /** Which traces are recorded (`every trace`, `at most 50 traces/s`); `none` when not exporting. */
  readonly sampling: string;
  /** Answers a Prometheus scrape, when asked for with `prometheus: true`. */
  readonly prometheusHandler?: MetricsHandler;
  /** Sends what is buffered now (tests, and before a planned exit). */
  flush(): Promise<void>;
  /** Flushes, then stops exporting; the API falls back to no-ops. */
  shutdown(): Promise<void>;
}

const DEFAULT_METRIC_INTERVAL_MS = 60_000;
const DEFAULT_SPAN_DELAY_MS = 5_000;
const DEFAULT_SPAN_BATCH = 512;
const DEFAULT_SPAN_QUEUE = 2_048;

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const env = options.env ?? process.env;
  ensureTraceContext();
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const disabled = env.OTEL_SDK_DISABLED === 'true';
  const sampling = () => traceSampling(env, { edge: options.edge === true });
  const azureSdk = options.azureSdk !== false;
  if (!disabled && connectionString !== undefined && connectionString !== '') return startAzureMonitor(options.serviceName, connectionString, sampling(), azureSdk);
  const otlp = !disabled && endpoint !== undefined && endpoint !== '' ? endpoint.replace(/\/+$/, '') : undefined;
  if (otlp === undefined && options.prometheus !== true) return noTelemetry;
  return startSdk(options.serviceName, otlp, options.prometheus === true, env, otlp === undefined ? undefined : sampling(), azureSdk);
}

const noTelemetry: Telemetry = { exporting: 'none', sampling: 'none', flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** How often metrics are collected (OTEL_METRIC_EXPORT_INTERVAL, default 60 s): pollers feeding gauges use it too. */
export function metricIntervalMs(env: NodeJS.ProcessEnv = process.env): number {
  return positive(env.OTEL_METRIC_EXPORT_INTERVAL, DEFAULT_METRIC_INTERVAL_MS);
}

function startSdk(
  serviceName: string, otlp: string | undefined, prometheus: boolean, env: NodeJS.ProcessEnv, sampling: TraceSampling | undefined, azureSdk: boolean,
): Telemetry {
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
  const tracerProvider = otlp === undefined || sampling === undefined ? undefined : new TracerProvider({
    resource,
    sampler: sampling.sampler,
    idGenerator: new PooledIdGenerator(),
    spanProcessors: [
      scrubbingProcessor,
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: `${otlp}/v1/traces` }),
        scheduledDelayMillis: positive(env.OTEL_BSP_SCHEDULE_DELAY, DEFAULT_SPAN_DELAY_MS),
        maxExportBatchSize: positive(env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE, DEFAULT_SPAN_BATCH),
        maxQueueSize: positive(env.OTEL_BSP_MAX_QUEUE_SIZE, DEFAULT_SPAN_QUEUE),
      }),
    ],
  });
  let undici: UndiciInstrumentation | undefined;
  if (tracerProvider !== undefined) {
    trace.setGlobalTracerProvider(tracerProvider);
    forgetTracers();
    undici = new UndiciInstrumentation();
    undici.setTracerProvider(tracerProvider);
    undici.setMeterProvider(meterProvider);
    undici.enable();
    if (azureSdk) useAzureSdkTracing();
  }
  return {
    exporting: otlp === undefined ? 'none' : 'otlp',
    sampling: sampling?.description ?? 'none',
    ...(scrape !== undefined && { prometheusHandler: (req, res) => scrape.getMetricsRequestHandler(req, res) }),
    flush: async () => {
      await Promise.all([tracerProvider?.forceFlush(), meterProvider.forceFlush()]);
    },
    shutdown: async () => {
      undici?.disable();
      await Promise.all([tracerProvider?.shutdown(), meterProvider.shutdown()]);
      if (tracerProvider !== undefined) trace.disable();
      forgetTracers();
      metrics.disable();
    },
  };
}

async function startAzureMonitor(serviceName: string, connectionString: string, sampling: TraceSampling, azureSdk: boolean): Promise<Telemetry> {
  // Loaded only here: the distro pulls in its own SDK and instrumentations.
  const monitor = await import('@azure/monitor-opentelemetry');
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  monitor.useAzureMonitor({
    azureMonitorExporterOptions: { connectionString },
    // The distro's own rate-limited sampler, at tapline's rate (sampling.ts), not its default 5/s.
    samplingRatio: sampling.azure.samplingRatio,
    tracesPerSecond: sampling.azure.tracesPerSecond,
    instrumentationOptions: { azureSdk: { enabled: azureSdk }, http: { enabled: true } },
    spanProcessors: [scrubbingProcessor],
  });
  if (azureSdk) useAzureSdkTracing();
  forgetTracers();
  return {
    exporting: 'azure-monitor',
    sampling: sampling.description,
    flush: () => Promise.resolve(),
    shutdown: async () => {
      await monitor.shutdownAzureMonitor();
      forgetTracers();
    },
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

const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * Trace and span ids from the system's CSPRNG, drawn 4 KiB at a time: the SDK's default draws
 * Math.random per 4 bytes on every span, which showed in the intake's profile (docs/benchmarks.md).
 */
class PooledIdGenerator implements IdGenerator {
  private readonly pool = Buffer.allocUnsafe(4096);
  private offset = this.pool.length;

  generateTraceId(): string {
    return this.take(16);
  }

  generateSpanId(): string {
    return this.take(8);
  }

  private take(bytes: number): string {
    for (;;) {
      if (this.offset + bytes > this.pool.length) {
        randomFillSync(this.pool);
        this.offset = 0;
      }
      const id = this.pool.toString('hex', this.offset, this.offset + bytes);
      this.offset += bytes;
      // An all-zero id is invalid (W3C trace context); one in 2^64 draws, drawn again.
      if (id !== ZERO_TRACE_ID && id !== ZERO_SPAN_ID) return id;
    }
  }
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
