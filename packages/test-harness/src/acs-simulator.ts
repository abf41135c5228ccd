import { fileURLToPath } from 'node:url';
import { spawnReady, type Exit, type ReadyProcess } from './spawn-ready.js';

const BIN = fileURLToPath(new URL('../node_modules/@tapline/acs-simulator/bin/acs-simulator.js', import.meta.url));

export interface AcsSimulatorProcess {
  readonly url: string;
  readonly connectionString: string;
  /** The access key inside the connection string (HMAC-signs requests). */
  readonly accessKey: string;
  readonly process: ReadyProcess;
  stop(): Promise<Exit>;
}

/** The ACS simulator's bin as a separate process on a port it picks (`--port 0`), once it is ready. */
export async function startAcsSimulator(args: readonly string[] = [], options: { timeoutMs?: number } = {}): Promise<AcsSimulatorProcess> {
  const simulator = await spawnReady({
    name: 'acs-simulator',
    command: process.execPath,
    args: [BIN, '--port', '0', ...args],
    readyLine: /acs-simulator ready url=(\S+) connectionString=(\S+)/,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
  const [, url, connectionString] = simulator.match as unknown as [string, string, string];
  const accessKey = /accesskey=([^;\s]+)/.exec(connectionString)?.[1];
  if (accessKey === undefined) {
    await simulator.kill();
    throw new Error('acs-simulator printed a connection string without an access key');
  }
  return { url, connectionString, accessKey, process: simulator, stop: () => simulator.stop() };
}
