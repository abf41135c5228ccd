import { parseArgs } from 'node:util';
import { startTenantSimulator } from './server.js';

/**
 * `tenant-simulator [--port n] [--org fixture.json] [--identity-header v] [--throttle-scale f]
 * [--no-throttle] [--auto-wait] [--log-requests] [--keys-file f] [--mi-token-lifetime s] [--audit-latency s]`.
 * Prints one line containing "ready" with the URL once it listens; stops on SIGINT/SIGTERM.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    org: { type: 'string' },
    'identity-header': { type: 'string' },
    'throttle-scale': { type: 'string' },
    'no-throttle': { type: 'boolean', default: false },
    'auto-wait': { type: 'boolean', default: false },
    'log-requests': { type: 'boolean', default: false },
    'keys-file': { type: 'string' },
    'mi-token-lifetime': { type: 'string' },
    'audit-latency': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write(`usage: tenant-simulator [--port 0] [--host 127.0.0.1] [--org fixture.json] [--identity-header value]
                        [--throttle-scale factor] [--no-throttle] [--auto-wait] [--log-requests]
                        [--keys-file keys.json] [--mi-token-lifetime seconds] [--audit-latency seconds]
`);
  process.exit(0);
}

const port = Number(values.port);
const scale = values['throttle-scale'] === undefined ? undefined : Number(values['throttle-scale']);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be an integer 0..65535');
if (scale !== undefined && !(scale > 0)) fail('--throttle-scale must be a positive number');
const miLifetime = values['mi-token-lifetime'] === undefined ? undefined : Number(values['mi-token-lifetime']);
const auditLatency = values['audit-latency'] === undefined ? undefined : Number(values['audit-latency']);
if (auditLatency !== undefined && !(auditLatency >= 0 && auditLatency <= 86_400)) fail('--audit-latency must be 0..86400 (seconds)');
if (miLifetime !== undefined && !(Number.isInteger(miLifetime) && miLifetime >= 60)) fail('--mi-token-lifetime must be an integer >= 60 (seconds)');

try {
  const sim = await startTenantSimulator({
    port,
    host: values.host,
    org: values.org,
    identityHeader: values['identity-header'],
    throttleScale: scale,
    throttle: values['no-throttle'] ? { enabled: false } : undefined,
    autoWait: values['auto-wait'],
    keysFile: values['keys-file'],
    managedIdentityTokenLifetimeSeconds: miLifetime,
    auditLatencySeconds: auditLatency,
    log: values['log-requests'] ? (line) => process.stdout.write(`${line}\n`) : undefined,
  });
  // Details first, then the one line launchers wait for (it repeats what they need).
  process.stdout.write(`tenant-simulator managed identity: IDENTITY_ENDPOINT=${sim.url}/msi/token IDENTITY_HEADER=${sim.identityHeader}\n`);
  process.stdout.write(`tenant-simulator ready url=${sim.url} port=${sim.port} tenant=${sim.tenantId} identity-header=${sim.identityHeader}\n`);
  const stop = () => {
    sim.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  fail((err as Error).message);
}

function fail(message: string): never {
  process.stderr.write(`tenant-simulator: ${message}\n`);
  process.exit(2);
}
