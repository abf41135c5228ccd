import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { spawnProcess, type Exit, type SpawnedProcess } from './spawn-ready.js';
import { waitFor } from './wait-for.js';

const AZURITE_TABLE = fileURLToPath(new URL('../node_modules/.bin/azurite-table', import.meta.url));
/** Azurite's fixed development account key (public, the same in every Azurite). */
const ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteOptions {
  /** Default 30 s. */
  readonly timeoutMs?: number;
  /** Default true. False keeps Azurite's access log in `process.lines` (for a log scan). */
  readonly silent?: boolean;
}

export interface Azurite {
  readonly port: number;
  /** Points at the table service of the development account. */
  readonly connectionString: string;
  readonly process: SpawnedProcess;
  stop(): Promise<Exit>;
}

async function answers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}/devstoreaccount1/Tables`, { signal: AbortSignal.timeout(500) });
    return true; // any HTTP answer (even 403) means it listens
  } catch {
    return false;
  }
}

/**
 * Azurite's table service, in memory, on a free loopback port. It prints no port of its own, so
 * it is ready when it answers HTTP.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<Azurite> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const port = await freePort();
  const azurite = spawnProcess({
    name: 'azurite',
    command: AZURITE_TABLE,
    args: [
      '--inMemoryPersistence', '--tableHost', '127.0.0.1', '--tablePort', String(port),
      ...(options.silent === false ? [] : ['--silent']), '--disableTelemetry', '--skipApiVersionCheck',
    ],
  });
  try {
    await waitFor(async () => {
      if (await answers(port)) return true;
      if (azurite.child.exitCode !== null) throw new Error(`azurite exited (${azurite.child.exitCode}): ${azurite.output()}`);
      return undefined;
    }, { timeoutMs, description: () => `azurite to answer on ${port}: ${azurite.output()}` });
  } catch (error) {
    await azurite.kill();
    throw error;
  }
  return {
    port,
    connectionString: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${ACCOUNT_KEY};TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    process: azurite,
    stop: () => azurite.stop(),
  };
}
