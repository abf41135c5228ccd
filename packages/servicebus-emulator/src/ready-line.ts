/**
 * The line the CLI prints on stdout once it accepts connections. Callers that start it with
 * `--port 0` learn the ports from here:
 *
 *   servicebus-emulator ready host=127.0.0.1 port=40123 admin-port=40124 queues=a,b data-dir=- connection-string=Endpoint=sb://...
 */
export interface ReadyInfo {
  host: string;
  port: number;
  adminPort: number | undefined;
  queues: string[];
  connectionString: string;
}

export function formatReadyLine(info: ReadyInfo & { dataDir: string | undefined }): string {
  return [
    'servicebus-emulator ready',
    `host=${info.host}`,
    `port=${info.port}`,
    `admin-port=${info.adminPort ?? '-'}`,
    `queues=${info.queues.join(',')}`,
    `data-dir=${info.dataDir ?? '-'}`,
    `connection-string=${info.connectionString}`,
  ].join(' ');
}

/** Parses a ready line; undefined for any other line. */
export function parseReadyLine(line: string): ReadyInfo | undefined {
  if (!line.startsWith('servicebus-emulator ready ')) return undefined;
  const fields = new Map<string, string>();
  for (const part of line.split(' ').slice(2)) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const port = Number(fields.get('port'));
  const admin = fields.get('admin-port');
  if (!Number.isInteger(port)) return undefined;
  return {
    host: fields.get('host') ?? '127.0.0.1',
    port,
    adminPort: admin && admin !== '-' ? Number(admin) : undefined,
    queues: (fields.get('queues') ?? '').split(',').filter(Boolean),
    connectionString: fields.get('connection-string') ?? '',
  };
}
