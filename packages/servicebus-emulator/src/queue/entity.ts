import type { StoredMessage } from './message.js';
import { SequenceHeap } from './sequence-heap.js';

/** A receiver attached to an entity, as the dispatcher sees it. */
export interface Consumer {
  readonly receiveAndDelete: boolean;
  /** How many more messages the receiver has credit for right now. */
  capacity(): number;
  /** Hands over a message that is already locked (peek-lock) or already removed (receive-and-delete). */
  deliver(message: StoredMessage): void;
}

/**
 * One receivable entity: a queue's main sub-queue or its dead-letter sub-queue. Holds the
 * messages and the indexes the queue engine keeps over them; the semantics live in Queue.
 */
export class Entity {
  /** Every message of this sub-queue in any state, by sequence number. */
  readonly messages = new Map<number, StoredMessage>();
  /** Active, unlocked messages by sequence number (lazy deletion: checked again on pop). */
  readonly available = new SequenceHeap<StoredMessage>();
  readonly scheduled = new Set<StoredMessage>();
  readonly locks = new Map<string, StoredMessage>();
  /** Which messages sit in `available`, so none is pushed twice. */
  private readonly inHeap = new Set<StoredMessage>();
  private consumers: Consumer[] = [];
  private dispatchQueued = false;

  constructor(
    readonly path: string,
    readonly isDeadLetter: boolean,
    private readonly take: (entity: Entity, receiveAndDelete: boolean) => StoredMessage | undefined,
  ) {}

  admit(message: StoredMessage): void {
    this.messages.set(message.seq, message);
    if (message.state === 'scheduled') this.scheduled.add(message);
    else if (message.state === 'active' && !message.lock) this.makeAvailable(message);
  }

  /** Puts an active, unlocked message (back) at its sequence position. */
  makeAvailable(message: StoredMessage): void {
    if (!this.inHeap.has(message)) {
      this.inHeap.add(message);
      this.available.push(message);
    }
    this.requestDispatch();
  }

  /** Pops the next message that is still active, unlocked and in this sub-queue. */
  popAvailable(): StoredMessage | undefined {
    for (;;) {
      const message = this.available.pop();
      if (!message) return undefined;
      this.inHeap.delete(message);
      if (this.messages.get(message.seq) === message && message.state === 'active' && !message.lock) return message;
    }
  }

  remove(message: StoredMessage): void {
    this.messages.delete(message.seq);
    this.scheduled.delete(message);
  }

  addConsumer(consumer: Consumer): void {
    this.consumers.push(consumer);
    this.requestDispatch();
  }

  removeConsumer(consumer: Consumer): void {
    this.consumers = this.consumers.filter((c) => c !== consumer);
  }

  /** Coalesces dispatch requests made in one turn of the event loop. */
  requestDispatch(): void {
    if (this.dispatchQueued || this.consumers.length === 0) return;
    this.dispatchQueued = true;
    queueMicrotask(() => {
      this.dispatchQueued = false;
      try {
        this.dispatch();
      } catch (err) {
        // Never let one bad delivery crash the broker; the message's lock expires and it is retried.
        process.emitWarning(`dispatch on ${this.path} failed: ${(err as Error).message}`);
      }
    });
  }

  /** Hands available messages to receivers with credit, one each per round. */
  dispatch(): void {
    const consumers = this.consumers;
    if (consumers.length === 0) return;
    // Rotate so no receiver is always served first.
    consumers.push(consumers.shift()!);
    let progress = true;
    while (progress && this.available.size > 0) {
      progress = false;
      for (const consumer of consumers) {
        if (consumer.capacity() <= 0) continue;
        const message = this.take(this, consumer.receiveAndDelete);
        if (!message) return;
        consumer.deliver(message);
        progress = true;
      }
    }
  }

  /** Dispatches to one receiver at once, e.g. before answering its drain request. */
  dispatchTo(consumer: Consumer): void {
    while (consumer.capacity() > 0) {
      const message = this.take(this, consumer.receiveAndDelete);
      if (!message) return;
      consumer.deliver(message);
    }
  }

  clear(): void {
    for (const message of this.locks.values()) {
      if (message.lock) clearTimeout(message.lock.timer);
      message.lock = undefined;
    }
    this.locks.clear();
    this.messages.clear();
    this.available.clear();
    this.inHeap.clear();
    this.scheduled.clear();
  }
}
