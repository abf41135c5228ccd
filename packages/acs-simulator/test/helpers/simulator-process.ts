import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A simulator running as a separate process, as the services will meet it. */
export interface SimulatorProcess {
  url: string;
  connectionString: string;
  accessKey: string;
  stop(): Promise<void>;
}

const BIN = fileURLToPath(new URL('../../bin/acs-simulator.js', import.meta.url));
const READY_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 5_000;

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startSimulatorProcess(args: string[] = []): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    if (!(await waitForExit(child, STOP_DEADLINE_MS))) {
      child.kill('SIGKILL');
      await waitForExit(child, STOP_DEADLINE_MS);
    }
  };

  const line = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      reject(new Error(`acs-simulator not ready after ${READY_DEADLINE_MS} ms; stderr: ${stderr}`));
    }, READY_DEADLINE_MS);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = stdout.split('\n').find((l) => l.includes('ready'));
      if (ready !== undefined) {
        clearTimeout(timer);
        resolve(ready);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`acs-simulator exited with ${String(code)} before ready; stderr: ${stderr}`));
    });
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });

  const url = /url=(\S+)/.exec(line)?.[1];
  const connectionString = /connectionString=(\S+)/.exec(line)?.[1];
  const accessKey = /accesskey=([^;\s]+)/.exec(line)?.[1];
  if (url === undefined || connectionString === undefined || accessKey === undefined) {
    await stop();
    throw new Error(`unexpected ready line: ${line}`);
  }
  return { url, connectionString, accessKey, stop };
}
