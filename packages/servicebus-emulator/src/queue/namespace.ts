import type { QueueConfig } from '../topology.js';
import type { Entity } from './entity.js';
import type { Persistence } from './persistence.js';
import { Queue } from './queue.js';

export interface ResolvedEntity {
  queue: Queue;
  entity: Entity;
}

const DEAD_LETTER_SUFFIX = '/$deadletterqueue';

/** The queues of the topology, found by entity path (case-insensitive, as in Service Bus). */
export class Namespace {
  private readonly byName = new Map<string, Queue>();

  constructor(configs: QueueConfig[], persistence: Persistence, now?: () => number) {
    for (const config of configs) this.byName.set(config.name.toLowerCase(), new Queue(config, persistence, now));
  }

  queues(): Queue[] {
    return [...this.byName.values()];
  }

  queue(name: string): Queue | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** `q` or `q/$DeadLetterQueue`; anything else (topics, subscriptions, transfer queues) is unknown. */
  resolve(path: string): ResolvedEntity | undefined {
    const lower = path.replace(/^\/+/, '').toLowerCase();
    const deadLetter = lower.endsWith(DEAD_LETTER_SUFFIX);
    const queue = this.byName.get(deadLetter ? lower.slice(0, -DEAD_LETTER_SUFFIX.length) : lower);
    return queue ? { queue, entity: queue.entity(deadLetter) } : undefined;
  }

  close(): void {
    for (const queue of this.byName.values()) queue.close();
  }
}
