import { newLockToken } from '../amqp/lock-token.js';
import { withApplicationProperties, type WireMessage } from '../amqp/message-codec.js';
import type { QueueConfig } from '../topology.js';
import { DuplicateDetector } from './duplicate-detector.js';
import { Entity } from './entity.js';
import { QueueError, storedMessage, type StoredMessage } from './message.js';
import type { Persistence } from './persistence.js';

export type Settlement =
  | { kind: 'complete' }
  | { kind: 'abandon'; properties?: Record<string, unknown> }
  | { kind: 'defer'; properties?: Record<string, unknown> }
  | { kind: 'deadLetter'; reason?: string; description?: string; properties?: Record<string, unknown> };

export interface QueueCounts {
  active: number;
  scheduled: number;
  deferred: number;
  deadLettered: number;
  locked: number;
}

const LOCK_LOST =
  'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.';

/**
 * One queue: its main and dead-letter sub-queues and the Service Bus semantics over them
 * (peek-lock, delivery counts, dead-lettering, deferral, scheduling, TTL, duplicate detection).
 */
export class Queue {
  readonly main: Entity;
  readonly deadLetter: Entity;
  nextSeq = 1;
  private sizeBytes = 0;
  readonly duplicates: DuplicateDetector;

  constructor(
    readonly config: QueueConfig,
    private readonly persistence: Persistence,
    private readonly now: () => number = Date.now,
  ) {
    const take = (entity: Entity, receiveAndDelete: boolean) => this.take(entity, receiveAndDelete);
    this.main = new Entity(config.name, false, take);
    this.deadLetter = new Entity(`${config.name}/$DeadLetterQueue`, true, take);
    this.duplicates = new DuplicateDetector(config.duplicateDetectionWindowMs);
  }

  get name(): string {
    return this.config.name;
  }

  /**
   * Accepts the messages of one send (or one schedule request). Duplicates inside the detection
   * window are accepted and dropped, as Service Bus does. The messages become receivable, and
   * `onDurable` runs, once the journal has them. Returns their sequence numbers.
   */
  accept(wires: WireMessage[], onDurable: (seqs: number[]) => void): number[] {
    const now = this.now();
    const bytes = wires.reduce((sum, w) => sum + w.bare.length, 0);
    if (this.sizeBytes + bytes > this.config.maxSizeBytes) {
      throw new QueueError('QuotaExceeded', `The maximum entity size of ${this.config.maxSizeBytes} bytes has been reached for '${this.name}'.`);
    }
    const accepted: StoredMessage[] = [];
    const seqs: number[] = [];
    for (const wire of wires) {
      const seq = this.nextSeq++;
      seqs.push(seq);
      if (this.config.requiresDuplicateDetection && this.duplicates.isDuplicate(wire.messageId, now)) continue;
      const message = this.create(wire, seq, now);
      this.persistence.put(this.name, message);
      accepted.push(message);
    }
    this.persistence.whenDurable(() => {
      for (const message of accepted) this.admit(this.main, message);
      onDurable(seqs);
    });
    return seqs;
  }

  /** Restores a message from the journal. */
  restore(message: StoredMessage): void {
    this.nextSeq = Math.max(this.nextSeq, message.seq + 1);
    this.admit(message.deadLettered ? this.deadLetter : this.main, message);
  }

  entity(deadLetter: boolean): Entity {
    return deadLetter ? this.deadLetter : this.main;
  }

  assertLocked(entity: Entity, token: string): void {
    if (!entity.locks.has(token)) throw new QueueError('MessageLockLost', LOCK_LOST);
  }

  /** Renews a peek-lock; returns the new expiry. */
  renewLock(entity: Entity, token: string): number {
    const message = entity.locks.get(token);
    if (!message?.lock) throw new QueueError('MessageLockLost', LOCK_LOST);
    clearTimeout(message.lock.timer);
    this.setLock(entity, message, token);
    return message.lock.until;
  }

  /** Applies a receiver's settlement; `onDurable` runs once it is on disk. */
  settle(entity: Entity, token: string, settlement: Settlement, onDurable: () => void): void {
    const message = entity.locks.get(token);
    if (!message) throw new QueueError('MessageLockLost', LOCK_LOST);
    if (settlement.kind === 'deadLetter' && entity.isDeadLetter) {
      throw new QueueError('InvalidOperation', 'A message in a dead-letter queue cannot be dead-lettered again.');
    }
    this.releaseLock(entity, message);
    switch (settlement.kind) {
      case 'complete':
        this.delete(entity, message);
        break;
      case 'abandon':
        if (this.modify(message, settlement.properties)) this.persistence.put(this.name, message);
        this.afterDelivery(entity, message);
        break;
      case 'defer':
        message.state = 'deferred';
        if (this.modify(message, settlement.properties)) this.persistence.put(this.name, message);
        else this.persistence.update(this.name, message);
        break;
      case 'deadLetter':
        // The delivery that ends in a dead-letter is not counted, as Service Bus counts it: a
        // message dead-lettered on its first delivery is received from the dead-letter queue with
        // deliveryCount 0 (only abandons and lost locks count there, like a redelivery would).
        message.deliveryCount = Math.max(0, message.deliveryCount - 1);
        this.moveToDeadLetter(message, settlement.reason, settlement.description, settlement.properties);
        break;
    }
    this.persistence.whenDurable(onDurable);
  }

  /**
   * Puts back a message that was locked for a receiver but never reached it (its link closed
   * before the transfer was written): no delivery is counted.
   */
  returnUndelivered(entity: Entity, token: string): void {
    const message = entity.locks.get(token);
    if (!message) return;
    this.releaseLock(entity, message);
    message.deliveryCount = Math.max(0, message.deliveryCount - 1);
    if (message.state === 'active') entity.makeAvailable(message);
  }

  /** Messages from `fromSeq` on, in sequence order, in any state (peek). */
  peek(entity: Entity, fromSeq: number, count: number): StoredMessage[] {
    const found: StoredMessage[] = [];
    for (const message of entity.messages.values()) {
      if (message.seq >= fromSeq) found.push(message);
    }
    found.sort((a, b) => a.seq - b.seq);
    return found.slice(0, count);
  }

  /** Receives deferred messages by sequence number, locked or (receive-and-delete) removed. */
  receiveDeferred(entity: Entity, seqs: number[], receiveAndDelete: boolean, onDurable: (messages: StoredMessage[]) => void): StoredMessage[] {
    const messages = seqs.map((seq) => {
      const message = entity.messages.get(seq);
      if (!message || message.state !== 'deferred' || message.lock) {
        throw new QueueError('MessageNotFound', `Failed to lock one or more specified messages. The message with sequence number ${seq} was not found or is not deferred.`);
      }
      return message;
    });
    for (const message of messages) {
      message.deliveryCount++;
      if (receiveAndDelete) this.delete(entity, message);
      else this.setLock(entity, message, newLockToken());
    }
    this.persistence.whenDurable(() => onDurable(messages));
    return messages;
  }

  cancelScheduled(seqs: number[], onDurable: () => void): void {
    for (const seq of seqs) {
      const message = this.main.messages.get(seq);
      // Unknown or already enqueued: nothing to cancel (a best guess at Azure's behaviour).
      if (message?.state === 'scheduled') this.delete(this.main, message);
    }
    this.persistence.whenDurable(onDurable);
  }

  /** Enqueues scheduled messages whose time has come and, with `expire`, applies TTL. */
  sweep(expire: boolean): void {
    const now = this.now();
    for (const message of this.main.scheduled) {
      if (message.enqueuedAt > now) continue;
      this.main.scheduled.delete(message);
      message.state = 'active';
      this.persistence.update(this.name, message);
      this.main.makeAvailable(message);
    }
    if (!expire) return;
    for (const message of this.main.messages.values()) {
      if (message.state !== 'scheduled' && !message.lock && message.expiresAt <= now) this.expire(message);
    }
  }

  /** Removes every message, lock and remembered message id (tests only). */
  purge(): number {
    const count = this.main.messages.size + this.deadLetter.messages.size;
    this.main.clear();
    this.deadLetter.clear();
    this.duplicates.clear();
    this.sizeBytes = 0;
    this.persistence.purge(this.name, this.nextSeq - 1);
    return count;
  }

  counts(): QueueCounts {
    const counts: QueueCounts = { active: 0, scheduled: 0, deferred: 0, deadLettered: this.deadLetter.messages.size, locked: 0 };
    for (const message of this.main.messages.values()) counts[message.state]++;
    counts.locked = this.main.locks.size + this.deadLetter.locks.size;
    return counts;
  }

  all(): Iterable<StoredMessage> {
    return [...this.main.messages.values(), ...this.deadLetter.messages.values()];
  }

  close(): void {
    this.main.clear();
    this.deadLetter.clear();
  }

  /** The dispatcher's source: the next receivable message, locked or removed for the receiver. */
  private take(entity: Entity, receiveAndDelete: boolean): StoredMessage | undefined {
    const now = this.now();
    for (;;) {
      const message = entity.popAvailable();
      if (!message) return undefined;
      if (!entity.isDeadLetter && message.expiresAt <= now) {
        this.expire(message);
        continue;
      }
      message.deliveryCount++;
      if (receiveAndDelete) this.delete(entity, message);
      else this.setLock(entity, message, newLockToken());
      return message;
    }
  }

  private create(wire: WireMessage, seq: number, now: number): StoredMessage {
    const scheduled = wire.scheduledAt !== undefined && wire.scheduledAt > now;
    const enqueuedAt = scheduled ? (wire.scheduledAt as number) : now;
    // A message's own TTL is capped at the queue's default (platform facts, section 9).
    const ttl = Math.min(wire.ttlMs ?? Number.POSITIVE_INFINITY, this.config.defaultMessageTimeToLiveMs);
    return storedMessage(wire, {
      seq,
      acceptedAt: now,
      enqueuedAt,
      expiresAt: enqueuedAt + ttl,
      deliveryCount: 0,
      state: scheduled ? 'scheduled' : 'active',
      deadLettered: false,
    });
  }

  private admit(entity: Entity, message: StoredMessage): void {
    this.sizeBytes += message.bare.length;
    entity.admit(message);
  }

  private delete(entity: Entity, message: StoredMessage): void {
    entity.remove(message);
    this.sizeBytes -= message.bare.length;
    this.persistence.remove(this.name, message.seq);
  }

  private setLock(entity: Entity, message: StoredMessage, token: string): void {
    const until = this.now() + this.config.lockDurationMs;
    const timer = setTimeout(() => this.lockExpired(entity, message, token), this.config.lockDurationMs);
    timer.unref();
    message.lock = { token, until, timer };
    entity.locks.set(token, message);
  }

  private releaseLock(entity: Entity, message: StoredMessage): void {
    if (!message.lock) return;
    clearTimeout(message.lock.timer);
    entity.locks.delete(message.lock.token);
    message.lock = undefined;
  }

  private lockExpired(entity: Entity, message: StoredMessage, token: string): void {
    if (message.lock?.token !== token) return;
    this.releaseLock(entity, message);
    this.afterDelivery(entity, message);
  }

  /** A delivery ended without settlement (abandon or lock expiry): redeliver or dead-letter. */
  private afterDelivery(entity: Entity, message: StoredMessage): void {
    if (!entity.isDeadLetter && message.deliveryCount >= this.config.maxDeliveryCount) {
      const attempts = this.config.maxDeliveryCount;
      this.moveToDeadLetter(message, 'MaxDeliveryCountExceeded', `Message could not be consumed after ${attempts} delivery attempts.`);
      return;
    }
    this.persistence.update(this.name, message);
    if (message.state !== 'active') return;
    if (!entity.isDeadLetter && message.expiresAt <= this.now()) this.expire(message);
    else entity.makeAvailable(message);
  }

  /** Merges properties into the message's application properties; true if the bytes changed. */
  private modify(message: StoredMessage, properties: Record<string, unknown> | undefined): boolean {
    if (!properties || Object.keys(properties).length === 0) return false;
    const before = message.bare;
    message.bare = withApplicationProperties(before, properties);
    this.sizeBytes += message.bare.length - before.length;
    return message.bare !== before;
  }

  private moveToDeadLetter(message: StoredMessage, reason?: string, description?: string, properties?: Record<string, unknown>): void {
    this.main.remove(message);
    const before = message.bare;
    message.bare = withApplicationProperties(before, {
      ...properties,
      DeadLetterReason: reason,
      DeadLetterErrorDescription: description,
    });
    this.sizeBytes += message.bare.length - before.length;
    message.deadLettered = true;
    message.state = 'active';
    this.persistence.put(this.name, message);
    this.deadLetter.admit(message);
  }

  private expire(message: StoredMessage): void {
    if (this.config.deadLetteringOnMessageExpiration) {
      this.moveToDeadLetter(message, 'TTLExpiredException', 'The message expired and was dead lettered.');
    } else {
      this.delete(this.main, message);
    }
  }
}
