// Port bookkeeping: fixed defaults a person can remember, overridable, and a clear message when
// one is taken (instead of a process dying later with EADDRINUSE in its own log).
import net from 'node:net';

export const DEFAULT_PORTS = {
  serviceBus: 5672,
  serviceBusAdmin: 7301,
  tables: 10002,
  tenant: 7302,
  acs: 7303,
  intake: 7071,
  workerMetrics: 7304,
  notifierMetrics: 7305,
  telemetry: 7306,
} as const;

export type PortName = keyof typeof DEFAULT_PORTS;
export type Ports = Record<PortName, number>;

/** `TAPLINE_PORT_SERVICE_BUS=5673` style overrides. */
export function portsFromEnv(env: NodeJS.ProcessEnv): Ports {
  const ports = { ...DEFAULT_PORTS } as Ports;
  for (const name of Object.keys(DEFAULT_PORTS) as PortName[]) {
    const variable = portVariable(name);
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${variable} must be a port number between 1 and 65535`);
    }
    ports[name] = port;
  }
  return ports;
}

export function portVariable(name: PortName): string {
  return `TAPLINE_PORT_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export async function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** Every port that is already taken, so the user sees all conflicts at once. */
export async function takenPorts(ports: Ports): Promise<PortName[]> {
  const taken: PortName[] = [];
  for (const name of Object.keys(ports) as PortName[]) {
    if (!(await isPortFree(ports[name]))) taken.push(name);
  }
  return taken;
}

/** Ports the OS says are free right now (for tests that run a whole stack beside a dev stack). */
export async function freePorts(): Promise<Ports> {
  const ports = {} as Ports;
  const servers: net.Server[] = [];
  for (const name of Object.keys(DEFAULT_PORTS) as PortName[]) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports[name] = (server.address() as net.AddressInfo).port;
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
