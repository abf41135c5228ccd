import { startAdminServer, type AdminServer } from './admin/http.js';
import { startAmqpServer } from './amqp/server.js';
import { Namespace } from './queue/namespace.js';
import { inMemory } from './queue/persistence.js';
import { FileJournal, type RecoveredQueue } from './store/journal.js';
import { encodeDedup, encodeNextSeq, encodePut } from './store/records.js';
import { defaultTopologyPath, loadTopology, validateTopology, type QueueConfig } from './topology.js';

export interface EmulatorOptions {
  /** AMQP port; 0 picks a free one. Default 5672. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** A topology file path, a parsed topology object, or queue configs. Default: infra/topology.json. */
  topology?: string | QueueConfig[] | { queues: Record<string, unknown> };
  /** Persist to an append-only journal in this directory; in memory when absent. */
  dataDir?: string;
  /** Serve the admin HTTP endpoint on 127.0.0.1 at this port (0 picks one); none when absent. */
  adminPort?: number;
  /** Operational log lines (never message contents). Default: stderr. */
  log?: (line: string) => void;
}

export interface RunningEmulator {
  host: string;
  port: number;
  adminPort: number | undefined;
  queues: string[];
  /** What a client passes to `new ServiceBusClient(...)`. */
  connectionString: string;
  close(): Promise<void>;
}

/** Sweeper period; TTL is checked every tenth tick (dequeue checks it exactly anyway). */
const SWEEP_MS = 100;

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((line: string) => process.stderr.write(`servicebus-emulator: ${line}\n`));
  const configs = resolveTopology(options.topology);

  let journal: FileJournal | undefined;
  let namespace: Namespace;
  if (options.dataDir) {
    const opened = FileJournal.open(options.dataDir, log);
    journal = opened.journal;
    namespace = new Namespace(configs, journal);
    restore(namespace, opened.recovered, log);
    const ns = namespace;
    journal.setSnapshotSource(() => snapshot(ns));
    await journal.compact();
  } else {
    namespace = new Namespace(configs, inMemory);
  }

  const amqp = await startAmqpServer({ host, port: options.port ?? 5672, namespace, log });
  let admin: AdminServer | undefined;
  try {
    const durable = journal;
    admin = options.adminPort === undefined
      ? undefined
      : await startAdminServer(options.adminPort, namespace, {
        amqp: () => amqp.counters(),
        journal: durable ? () => durable.stats() : undefined,
      });
  } catch (err) {
    await amqp.close();
    throw err;
  }

  let tick = 0;
  const sweeper = setInterval(() => {
    tick++;
    for (const queue of namespace.queues()) queue.sweep(tick % 10 === 0);
  }, SWEEP_MS);
  sweeper.unref();

  const clientHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    host,
    port: amqp.port,
    adminPort: admin?.port,
    queues: namespace.queues().map((q) => q.name),
    connectionString: `Endpoint=sb://${clientHost}:${amqp.port};SharedAccessKeyName=local;SharedAccessKey=local;UseDevelopmentEmulator=true`,
    close() {
      closing ??= (async () => {
        clearInterval(sweeper);
        await amqp.close();
        await admin?.close();
        namespace.close();
        await journal?.close();
      })();
      return closing;
    },
  };
}

function resolveTopology(topology: EmulatorOptions['topology']): QueueConfig[] {
  if (topology === undefined) return loadTopology(defaultTopologyPath);
  if (typeof topology === 'string') return loadTopology(topology);
  if (Array.isArray(topology)) return topology;
  return validateTopology(topology);
}

function restore(namespace: Namespace, recovered: Map<string, RecoveredQueue>, log: (line: string) => void): void {
  const now = Date.now();
  for (const [name, state] of recovered) {
    const queue = namespace.queue(name);
    if (!queue) {
      if (state.messages.size > 0) log(`journal: dropping ${state.messages.size} messages of '${name}', which is no longer in the topology`);
      continue;
    }
    queue.nextSeq = Math.max(queue.nextSeq, state.nextSeq);
    for (const message of [...state.messages.values()].sort((a, b) => a.seq - b.seq)) queue.restore(message);
    for (const [id, at] of [...state.dedup].sort((a, b) => a[1] - b[1])) queue.duplicates.restore(id, at, now);
  }
}

/** The live state as journal records: what a compacted log holds. */
function snapshot(namespace: Namespace): Buffer[] {
  const now = Date.now();
  const records: Buffer[] = [];
  for (const queue of namespace.queues()) {
    records.push(encodeNextSeq(queue.name, queue.nextSeq));
    for (const [id, at] of queue.duplicates.entries(now)) records.push(encodeDedup(queue.name, id, at));
    for (const message of queue.all()) records.push(encodePut(queue.name, message));
  }
  return records;
}
