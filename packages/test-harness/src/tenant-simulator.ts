import { fileURLToPath } from 'node:url';
import { spawnReady, type Exit, type ReadyProcess } from './spawn-ready.js';

const BIN = fileURLToPath(new URL('../node_modules/@tapline/tenant-simulator/bin/tenant-simulator.js', import.meta.url));

export interface TenantSimulatorProcess {
  readonly url: string;
  readonly port: number;
  readonly tenantId: string;
  /** The managed-identity header its `/msi/token` endpoint expects. */
  readonly identityHeader: string;
  readonly process: ReadyProcess;
  /** A JSON call to its `/_sim/<path>` control API (`{}` as the body of a bodiless POST/PATCH/PUT). */
  sim<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<Exit>;
}

/** The tenant simulator's bin as a separate process on a port it picks (`--port 0`), once it is ready. */
export async function startTenantSimulator(args: readonly string[] = [], options: { timeoutMs?: number } = {}): Promise<TenantSimulatorProcess> {
  const simulator = await spawnReady({
    name: 'tenant-simulator',
    command: process.execPath,
    args: [BIN, '--port', '0', ...args],
    readyLine: /tenant-simulator ready url=(\S+) port=(\d+) tenant=(\S+) identity-header=(\S+)/,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const [, url, port, tenantId, identityHeader] = simulator.match as unknown as [string, string, string, string, string];
  return {
    url,
    port: Number(port),
    tenantId,
    identityHeader,
    process: simulator,
    async sim<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${url}/_sim/${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? (method === 'GET' || method === 'DELETE' ? undefined : '{}') : JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    stop: () => simulator.stop(),
  };
}
