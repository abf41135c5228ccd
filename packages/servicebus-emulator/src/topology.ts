import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseIsoDuration } from './iso-duration.js';

/**
 * The queue topology, in the shape `infra/topology.json` has so Bicep can pass each queue's
 * properties straight to ARM (`Microsoft.ServiceBus/namespaces/queues`): ARM property names,
 * ISO 8601 durations. A queue that is not listed does not exist.
 */
export interface QueueProperties {
  lockDuration?: string;
  maxDeliveryCount?: number;
  requiresDuplicateDetection?: boolean;
  duplicateDetectionHistoryTimeWindow?: string;
  defaultMessageTimeToLive?: string;
  deadLetteringOnMessageExpiration?: boolean;
  maxSizeInMegabytes?: number;
}

export interface Topology {
  queues: Record<string, QueueProperties>;
}

/** One queue's settings, parsed into the units the broker works in. */
export interface QueueConfig {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresDuplicateDetection: boolean;
  duplicateDetectionWindowMs: number;
  /** Infinity when the queue sets none (Azure's default is TimeSpan.MaxValue). */
  defaultMessageTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
  maxSizeBytes: number;
}

export interface ValidateOptions {
  /**
   * Enforce Azure's ranges (lock 5 s to 5 min, duplicate window 20 s to 7 days, size a multiple of
   * 1 GB up to 5 GB). Off by default so test topologies can use sub-second locks.
   */
  azureLimits?: boolean;
}

/** The repository's own topology, `infra/topology.json`. */
export const defaultTopologyPath = fileURLToPath(new URL('../../../infra/topology.json', import.meta.url));

const durations = ['lockDuration', 'duplicateDetectionHistoryTimeWindow', 'defaultMessageTimeToLive'] as const;
const known = new Set<string>([
  ...durations, 'maxDeliveryCount', 'requiresDuplicateDetection', 'deadLetteringOnMessageExpiration', 'maxSizeInMegabytes',
]);
/** ARM properties that change nothing the emulator models; accepted so the file stays ARM-shaped. */
const ignored = new Set(['enableBatchedOperations', 'enablePartitioning', 'enableExpress', 'status', 'autoDeleteOnIdle']);
/** ARM properties for features the emulator does not have: refused unless they are off. */
const unsupported: Record<string, (v: unknown) => boolean> = {
  requiresSession: (v) => v === false,
  forwardTo: (v) => v === '' || v === null,
  forwardDeadLetteredMessagesTo: (v) => v === '' || v === null,
};

const QUEUE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/;
const MINUTE = 60_000;

export function loadTopology(path: string, options: ValidateOptions = {}): QueueConfig[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read topology ${path}: ${(err as Error).message}`);
  }
  return validateTopology(raw, options);
}

export function validateTopology(raw: unknown, options: ValidateOptions = {}): QueueConfig[] {
  if (!isRecord(raw) || !isRecord(raw.queues)) {
    throw new Error('topology must be an object with a "queues" object');
  }
  const configs: QueueConfig[] = [];
  const seen = new Set<string>();
  for (const [name, props] of Object.entries(raw.queues)) {
    if (!QUEUE_NAME.test(name)) throw new Error(`queue name "${name}" is not a valid entity name`);
    // Entity names are case-insensitive in Service Bus.
    if (seen.has(name.toLowerCase())) throw new Error(`queue "${name}" is listed twice (names are case-insensitive)`);
    seen.add(name.toLowerCase());
    configs.push(parseQueue(name, props, options));
  }
  return configs;
}

function parseQueue(name: string, props: unknown, options: ValidateOptions): QueueConfig {
  const where = `queue "${name}"`;
  if (!isRecord(props)) throw new Error(`${where}: properties must be an object`);
  for (const [key, value] of Object.entries(props)) {
    const check = unsupported[key];
    if (check) {
      if (!check(value)) throw new Error(`${where}: ${key} is not emulated (queues only, no sessions or forwarding)`);
    } else if (!known.has(key) && !ignored.has(key)) {
      throw new Error(`${where}: unknown property "${key}"`);
    }
  }
  const duration = (key: (typeof durations)[number], fallback: number): number => {
    const value = props[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'string') throw new Error(`${where}: ${key} must be an ISO 8601 duration string`);
    try {
      return parseIsoDuration(value);
    } catch (err) {
      throw new Error(`${where}: ${key}: ${(err as Error).message}`);
    }
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const value = props[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') throw new Error(`${where}: ${key} must be true or false`);
    return value;
  };
  const int = (key: string, fallback: number): number => {
    const value = props[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new Error(`${where}: ${key} must be a positive integer`);
    }
    return value;
  };

  // Defaults are Azure's (azure-infra-facts section 2).
  const config: QueueConfig = {
    name,
    lockDurationMs: duration('lockDuration', MINUTE),
    maxDeliveryCount: int('maxDeliveryCount', 10),
    requiresDuplicateDetection: bool('requiresDuplicateDetection', false),
    duplicateDetectionWindowMs: duration('duplicateDetectionHistoryTimeWindow', 10 * MINUTE),
    defaultMessageTimeToLiveMs: duration('defaultMessageTimeToLive', Number.POSITIVE_INFINITY),
    deadLetteringOnMessageExpiration: bool('deadLetteringOnMessageExpiration', false),
    maxSizeBytes: int('maxSizeInMegabytes', 1024) * 1024 * 1024,
  };
  if (config.lockDurationMs <= 0 || config.lockDurationMs > 5 * MINUTE) {
    throw new Error(`${where}: lockDuration must be above zero and at most PT5M`);
  }
  if (config.duplicateDetectionWindowMs <= 0) throw new Error(`${where}: duplicateDetectionHistoryTimeWindow must be above zero`);
  if (config.defaultMessageTimeToLiveMs <= 0) throw new Error(`${where}: defaultMessageTimeToLive must be above zero`);
  if (options.azureLimits) checkAzureLimits(where, config);
  return config;
}

function checkAzureLimits(where: string, config: QueueConfig): void {
  if (config.lockDurationMs < 5_000) throw new Error(`${where}: Azure's minimum lockDuration is PT5S`);
  const window = config.duplicateDetectionWindowMs;
  if (window < 20_000 || window > 7 * 24 * 60 * MINUTE) {
    throw new Error(`${where}: Azure allows a duplicateDetectionHistoryTimeWindow from PT20S to P7D`);
  }
  const gb = config.maxSizeBytes / (1024 * 1024 * 1024);
  if (!Number.isInteger(gb) || gb < 1 || gb > 5) {
    throw new Error(`${where}: maxSizeInMegabytes must be 1024, 2048, 3072, 4096 or 5120 on Standard`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
