// The local stack: which processes, in which order, with which configuration. Everything a
// service needs comes from the stand-ins started before it (dependency order), and everything a
// tool needs is written to .local/stack.json at the end.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import { loadFixture } from '@tapline/tenant-simulator';
import type { Ports } from './ports.js';
import type { ProcessSpec } from './supervisor.js';

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * The tenant and identities of the demo org the tenant simulator serves, read from its fixture so
 * the services' settings cannot drift from the directory they run against.
 */
function localTenant() {
  const org = loadFixture();
  const app = (name: string | undefined) => {
    const found = org.apps.find((a) => a.name === name);
    if (!found) throw new Error(`the demo org has no app named ${name ?? '(unset)'}`);
    return found;
  };
  return {
    tenantId: org.tenant.id,
    relayAppId: app(org.relayApp).appId,
    intakeAudience: org.relayAudience ?? 'api://tapline-intake',
    notifierClientId: app('tapline-notifier').appId,
    /** The access package tapline's extension is attached to: the one the worker serves. */
    tapAccessPackageId: tapAccessPackageOf(org),
  };
}
export const LOCAL_TENANT = localTenant();

function tapAccessPackageOf(org: ReturnType<typeof loadFixture>): string {
  const ref = org.tapAccessPackage;
  const found = (org.accessPackages ?? []).find((p) => ref !== undefined && (p.id === ref || p.displayName === ref));
  if (!found) throw new Error('the demo org names no tapAccessPackage');
  return found.id;
}

/** The Azurite development account: a published, well-known key, not a secret. */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface StackOptions {
  ports: Ports;
  /** Where data, logs and stack.json live (default `<repo>/.local`). */
  dataDir: string;
  /** Keep broker and table data across restarts (default true for `pnpm start`). */
  persistent: boolean;
  /** Settings for the services that a caller (a test, the demo) wants to differ from defaults. */
  overrides?: Record<string, string>;
}

export interface StackInfo {
  intake: { url: string };
  serviceBus: { connectionString: string; adminUrl: string; queues: { requests: string; deliveries: string } };
  tables: { connectionString: string };
  tenant: { url: string; tenantId: string };
  acs: { url: string; connectionString: string; outboxUrl: string };
  /** The telemetry stand-in: OTLP/HTTP receiver, dashboard (its root) and trace API. */
  telemetry: { url: string };
  logs: { dir: string };
  /** The process that started the others and stops them: `pnpm start`'s orchestrator, or a test. */
  supervisor: { pid: number };
  processes: Record<string, { pid: number }>;
  startedAt: string;
}

const bin = (...parts: string[]) => path.join(repoRoot, ...parts);

/** Preloaded into every process of the stack so that it stops when the supervisor is gone. */
const EXIT_WITH_PARENT = pathToFileURL(bin('packages/local-stack/bin/exit-with-parent.js')).href;

/** A Node script as a stack process: on this Node, with the exit-with-parent preload. */
function nodeScript(script: string, args: string[] = []): Pick<ProcessSpec, 'command' | 'args'> {
  return { command: process.execPath, args: ['--import', EXIT_WITH_PARENT, script, ...args] };
}

export function tablesConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}

/** A sealing key made once per data dir, so a restarted stack can still open queued deliveries. */
export function localSealingKey(dataDir: string): { kid: string; key: string } {
  const file = path.join(dataDir, 'sealing-key.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { kid: string; key: string };
  const created = { kid: `local-${Date.now().toString(36)}`, key: randomBytes(32).toString('base64') };
  writeFileSync(file, JSON.stringify(created), { mode: 0o600 });
  return created;
}

export function prepareDirs(dataDir: string): { logsDir: string } {
  const logsDir = path.join(dataDir, 'logs');
  for (const dir of [dataDir, logsDir, path.join(dataDir, 'servicebus'), path.join(dataDir, 'azurite')]) {
    mkdirSync(dir, { recursive: true });
  }
  return { logsDir };
}

/** Extra CLI flags for a stand-in, from `overrides` (tests and benches tune the simulators). */
/** The simulator's audit-log delay on the local stack, and what the worker assumes (Entra: 120 s p95). */
export const LOCAL_AUDIT_LATENCY_SECONDS = 5;

function extraArgs(options: StackOptions, name: 'TENANT_SIM_ARGS' | 'ACS_SIM_ARGS'): string[] {
  return options.overrides?.[name]?.split(' ').filter(Boolean) ?? [];
}

export function infrastructureSpecs(options: StackOptions): ProcessSpec[] {
  const { ports, dataDir, persistent } = options;
  const require = createRequire(import.meta.url);
  const azuriteTable = path.join(path.dirname(require.resolve('azurite/package.json')), 'dist/src/table/main.js');
  return [
    {
      name: 'servicebus',
      ...nodeScript(bin('packages/servicebus-emulator/bin/servicebus-emulator.js'), [
        '--port', String(ports.serviceBus),
        '--admin-port', String(ports.serviceBusAdmin),
        '--topology', bin('infra/topology.json'),
        ...(persistent ? ['--data-dir', path.join(dataDir, 'servicebus')] : []),
      ]),
      readyLine: /servicebus-emulator ready .*connection-string=(\S+)/,
    },
    {
      name: 'tables',
      ...nodeScript(azuriteTable, [
        ...(persistent ? ['--location', path.join(dataDir, 'azurite')] : ['--inMemoryPersistence']),
        '--tableHost', '127.0.0.1',
        '--tablePort', String(ports.tables),
        // --silent drops Azurite's access log (one line per table call), which drowns the services.
        '--silent',
        '--disableTelemetry',
        '--skipApiVersionCheck',
      ]),
      readyLine: /Table service successfully started/,
    },
    {
      name: 'tenant',
      ...nodeScript(bin('packages/tenant-simulator/bin/tenant-simulator.js'), [
        '--port', String(ports.tenant),
        // Services cache tokens; stable keys keep them valid across simulator restarts.
        '--keys-file', path.join(dataDir, 'tenant-keys.json'),
        // Entra would only send CallbackUriPath for a request that waits; treat each as waiting.
        '--auto-wait',
        // Audit entries appear late, as in Entra, but briefly: the worker's first-day trust waits
        // this long after the directory watch's first round (WORKER_AUDIT_LATENCY_SECONDS below).
        '--audit-latency', String(LOCAL_AUDIT_LATENCY_SECONDS),
        ...extraArgs(options, 'TENANT_SIM_ARGS'),
      ]),
      readyLine: /tenant-simulator ready url=(\S+)/,
    },
    {
      name: 'acs',
      ...nodeScript(bin('packages/acs-simulator/bin/acs-simulator.js'), [
        '--port', String(ports.acs),
        '--outbox-file', path.join(dataDir, 'outbox.jsonl'),
        '--email-retry-after', '0',
        ...extraArgs(options, 'ACS_SIM_ARGS'),
      ]),
      readyLine: /acs-simulator ready url=(\S+) connectionString=(\S+)/,
    },
    {
      name: 'telemetry',
      ...nodeScript(bin('packages/telemetry-stand-in/bin/telemetry-stand-in.js'), ['--port', String(ports.telemetry)]),
      readyLine: /telemetry-stand-in ready url=(\S+)/,
    },
  ];
}

export interface Endpoints {
  serviceBusConnectionString: string;
  tablesConnectionString: string;
  tenantUrl: string;
  acsUrl: string;
  acsConnectionString: string;
  telemetryUrl: string;
}

export function serviceSpecs(options: StackOptions, endpoints: Endpoints): ProcessSpec[] {
  const { ports, dataDir } = options;
  const sealing = localSealingKey(dataDir);
  const tunable = (name: string, fallback: string): string => options.overrides?.[name] ?? process.env[name] ?? fallback;
  const common = {
    SERVICEBUS_CONNECTION_STRING: endpoints.serviceBusConnectionString,
    TABLES_CONNECTION_STRING: endpoints.tablesConnectionString,
    GRAPH_BASE_URL: endpoints.tenantUrl,
    // ManagedIdentityCredential, App Service style, against the tenant simulator.
    IDENTITY_ENDPOINT: `${endpoints.tenantUrl}/msi/token`,
    IDENTITY_HEADER: 'tenant-simulator-identity-header',
    TAPLINE_SEALING_KEYS: `${sealing.kid}:${sealing.key}`,
    TAPLINE_SEALING_ACTIVE_KID: sealing.kid,
    LOG_LEVEL: tunable('LOG_LEVEL', 'info'),
    ...telemetryEnv(endpoints, tunable),
  };
  const passThrough = (prefix: string): Record<string, string> => Object.fromEntries(
    Object.entries({ ...process.env, ...options.overrides })
      .filter((e): e is [string, string] => e[0].startsWith(prefix) && typeof e[1] === 'string'),
  );
  return [
    {
      name: 'intake',
      ...nodeScript(bin('services/intake/bin/intake-local.js')),
      env: {
        ...passThrough('INTAKE_'),
        SERVICEBUS_CONNECTION_STRING: endpoints.serviceBusConnectionString,
        INTAKE_TENANT_ID: LOCAL_TENANT.tenantId,
        INTAKE_AUDIENCE: LOCAL_TENANT.intakeAudience,
        INTAKE_ALLOWED_CALLERS: LOCAL_TENANT.relayAppId,
        INTAKE_AUTHORITY_HOST: endpoints.tenantUrl,
        INTAKE_HOST: '127.0.0.1',
        INTAKE_PORT: String(ports.intake),
        LOG_LEVEL: common.LOG_LEVEL,
        ...telemetryEnv(endpoints, tunable),
      },
      readyLine: /ready.*(http:\/\/127\.0\.0\.1:\d+)/,
    },
    {
      name: 'worker',
      ...nodeScript(bin('services/worker/bin/worker.js')),
      env: {
        ...common,
        WORKER_METRICS_PORT: String(ports.workerMetrics),
        WORKER_SERVED_ACCESS_PACKAGE_IDS: LOCAL_TENANT.tapAccessPackageId,
        WORKER_AUDIT_LATENCY_SECONDS: String(LOCAL_AUDIT_LATENCY_SECONDS),
        ...passThrough('WORKER_'),
        ...passThrough('GRAPH_'),
        GRAPH_BASE_URL: endpoints.tenantUrl,
      },
      readyLine: /ready/,
    },
    {
      name: 'notifier',
      ...nodeScript(bin('services/notifier/bin/notifier.js')),
      env: {
        ...common,
        ACS_CONNECTION_STRING: endpoints.acsConnectionString,
        ACS_SMS_FROM: '+18005550100',
        ACS_EMAIL_SENDER: 'DoNotReply@tapline.example',
        GRAPH_MANAGED_IDENTITY_CLIENT_ID: LOCAL_TENANT.notifierClientId,
        NOTIFIER_METRICS_PORT: String(ports.notifierMetrics),
        ...passThrough('NOTIFIER_'),
        ...passThrough('ACS_SMS_'),
        ...passThrough('ACS_EMAIL_'),
      },
      readyLine: /ready/,
    },
  ];
}

/**
 * OpenTelemetry export to the telemetry stand-in, sooner than the production defaults (60 s
 * metrics, 5 s spans) so the dashboard moves while you watch. OTEL_SDK_DISABLED=true turns it off.
 */
function telemetryEnv(endpoints: Endpoints, tunable: (name: string, fallback: string) => string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoints.telemetryUrl,
    OTEL_METRIC_EXPORT_INTERVAL: tunable('OTEL_METRIC_EXPORT_INTERVAL', '2000'),
    OTEL_BSP_SCHEDULE_DELAY: tunable('OTEL_BSP_SCHEDULE_DELAY', '500'),
    OTEL_SDK_DISABLED: tunable('OTEL_SDK_DISABLED', 'false'),
  };
}
