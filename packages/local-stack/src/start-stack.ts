// Starts the whole local stack and returns a handle: used by `pnpm start`, `pnpm demo` and the
// end-to-end tests, so all three run exactly the same processes.
import { rmSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { listenerOf, processInfo, type ProcessInfo } from './process-table.js';
import { createSupervisor, type RunningProcess } from './supervisor.js';
import { takenPorts, portVariable, type Ports } from './ports.js';
import {
  infrastructureSpecs, prepareDirs, repoRoot, serviceSpecs, tablesConnectionString, LOCAL_TENANT,
  type StackInfo, type StackOptions,
} from './stack.js';

export interface TakenPort {
  name: string;
  port: number;
  variable: string;
  /** The process listening there, when the OS tells us. */
  holder?: ProcessInfo;
}

export class PortsTakenError extends Error {
  constructor(readonly taken: TakenPort[]) {
    super(describeTaken(taken));
    this.name = 'PortsTakenError';
  }
}

/** `node --import ... /repo/services/intake/bin/intake-local.js` -> `services/intake/bin/intake-local.js`. */
function scriptOf(holder: ProcessInfo): string {
  const args = holder.argv.slice(path.basename(holder.argv[0] ?? '') === 'node' ? 1 : 0);
  const script = args.find((arg, i) => !arg.startsWith('-') && args[i - 1] !== '--import') ?? holder.name;
  return path.relative(repoRoot, script).startsWith('..') ? script : path.relative(repoRoot, script);
}

function describeTaken(taken: TakenPort[]): string {
  const lines = taken.map((t) => {
    const held = t.holder ? `, held by pid ${t.holder.pid} (${scriptOf(t.holder)})` : '';
    return `  ${t.name}: ${t.port}${held} (choose another with ${t.variable}=<port>)`;
  });
  // A stack process's parent is the orchestrator; an orphan of one (the parent died) has a
  // command line inside this repository. Either way the user needs one pid to stop.
  const supervisors = new Set<number>();
  const orphans = new Set<number>();
  for (const { holder } of taken) {
    if (!holder) continue;
    const parent = processInfo(holder.ppid);
    if (parent?.commandLine.includes('local-stack')) supervisors.add(parent.pid);
    else if (holder.commandLine.includes(repoRoot)) orphans.add(holder.pid);
  }
  const hint = supervisors.size > 0
    ? `A local stack from an earlier \`pnpm start\` is still running (pid ${[...supervisors].join(', ')}): stop it with \`kill ${[...supervisors].join(' ')}\` or Ctrl-C in its terminal, or override the ports.`
    : orphans.size > 0
      ? `Processes left behind by an earlier stack hold them: stop them with \`kill ${[...orphans].join(' ')}\`, or override the ports.`
      : 'Is another `pnpm start` running? Stop it, or override the ports.';
  return `these ports are already in use:\n${lines.join('\n')}\n${hint}`;
}

export interface StartOptions extends StackOptions {
  echo: NodeJS.WritableStream | null;
  /** Delete the data dir's broker and table state first. */
  fresh?: boolean;
  onFatalExit?: (name: string) => void;
}

export interface StackHandle {
  info: StackInfo;
  stackFile: string;
  processes: () => readonly RunningProcess[];
  process: (name: string) => RunningProcess | undefined;
  stop: () => Promise<void>;
}

export async function startStack(options: StartOptions): Promise<StackHandle> {
  const taken = await takenPorts(options.ports);
  if (taken.length > 0) {
    throw new PortsTakenError(taken.map((name) => ({
      name, port: options.ports[name], variable: portVariable(name), holder: listenerOf(options.ports[name]),
    })));
  }
  if (options.fresh) {
    for (const dir of ['servicebus', 'azurite', 'logs']) rmSync(path.join(options.dataDir, dir), { recursive: true, force: true });
    rmSync(path.join(options.dataDir, 'outbox.jsonl'), { force: true });
  }
  const { logsDir } = prepareDirs(options.dataDir);
  const stackFile = path.join(options.dataDir, 'stack.json');
  let info: StackInfo | undefined;

  const writeInfo = () => {
    if (!info) return;
    info.processes = Object.fromEntries(supervisor.running.map((p) => [p.spec.name, { pid: p.child.pid ?? -1 }]));
    const tmp = `${stackFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`);
    renameSync(tmp, stackFile);
  };

  const supervisor = createSupervisor({
    logsDir,
    echo: options.echo,
    onFatalExit: (name) => options.onFatalExit?.(name),
    onRestart: () => writeInfo(),
  });

  try {
    // The stand-ins do not depend on one another: start them together.
    const [serviceBus, , tenant, acs, telemetry] = await Promise.all(infrastructureSpecs(options).map((spec) => supervisor.start(spec)));
    const endpoints = {
      serviceBusConnectionString: serviceBus?.ready[1] ?? '',
      tablesConnectionString: tablesConnectionString(options.ports.tables),
      tenantUrl: tenant?.ready[1] ?? '',
      acsUrl: acs?.ready[1] ?? '',
      acsConnectionString: acs?.ready[2] ?? '',
      telemetryUrl: telemetry?.ready[1] ?? '',
    };
    const [intakeSpec, ...consumers] = serviceSpecs(options, endpoints);
    // The intake first (it only needs the broker), then the two consumers together.
    const intake = await supervisor.start({ ...intakeSpec!, restartOnExit: true });
    await Promise.all(consumers.map((spec) => supervisor.start({ ...spec, restartOnExit: true })));

    info = {
      intake: { url: intake.ready[1] ?? `http://127.0.0.1:${options.ports.intake}` },
      serviceBus: {
        connectionString: endpoints.serviceBusConnectionString,
        adminUrl: `http://127.0.0.1:${options.ports.serviceBusAdmin}`,
        queues: { requests: 'tap-requests', deliveries: 'tap-deliveries' },
      },
      tables: { connectionString: endpoints.tablesConnectionString },
      tenant: { url: endpoints.tenantUrl, tenantId: LOCAL_TENANT.tenantId },
      acs: { url: endpoints.acsUrl, connectionString: endpoints.acsConnectionString, outboxUrl: `${endpoints.acsUrl}/_sim/outbox.html` },
      telemetry: { url: endpoints.telemetryUrl },
      logs: { dir: logsDir },
      supervisor: { pid: process.pid },
      processes: {},
      startedAt: new Date().toISOString(),
    };
    writeInfo();
  } catch (err) {
    await supervisor.stopAll();
    throw err;
  }

  return {
    info,
    stackFile,
    processes: () => supervisor.running,
    process: (name) => supervisor.running.find((p) => p.spec.name === name),
    stop: async () => {
      await supervisor.stopAll();
      rmSync(stackFile, { force: true });
    },
  };
}

export type { Ports };
