import type { StoredMessage } from './message.js';

/**
 * Where the queue engine records state changes. With `--data-dir` these go to the append-only
 * journal; without, to nowhere. `whenDurable` is how "acknowledged only once on disk" is kept: the
 * broker answers a send or a settlement from inside that callback.
 */
export interface Persistence {
  /** The whole message: on enqueue, and when its bytes change (properties modified, dead-lettered). */
  put(queue: string, message: StoredMessage): void;
  /** State, delivery count or dead-letter flag changed; the bytes did not. */
  update(queue: string, message: StoredMessage): void;
  remove(queue: string, seq: number): void;
  purge(queue: string, upToSeq: number): void;
  /** Calls back once everything recorded so far is durable; at once when nothing persists. */
  whenDurable(callback: () => void): void;
}

export const inMemory: Persistence = {
  put() {},
  update() {},
  remove() {},
  purge() {},
  whenDurable(callback) {
    callback();
  },
};
