/**
 * Remembers message ids for the queue's duplicate-detection window. A Map keeps insertion order,
 * which is acceptance order, so expired ids are pruned from the front.
 */
export class DuplicateDetector {
  private readonly seen = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the id was accepted within the window; otherwise records it and returns false. */
  isDuplicate(messageId: string, now: number): boolean {
    this.prune(now);
    if (this.seen.has(messageId)) return true;
    this.seen.set(messageId, now);
    return false;
  }

  /** Restores an id from the journal (acceptance time as recorded). */
  restore(messageId: string, acceptedAt: number, now: number): void {
    if (acceptedAt > now - this.windowMs && !this.seen.has(messageId)) this.seen.set(messageId, acceptedAt);
  }

  entries(now: number): [string, number][] {
    this.prune(now);
    return [...this.seen];
  }

  clear(): void {
    this.seen.clear();
  }

  private prune(now: number): void {
    const cutoff = now - this.windowMs;
    for (const [id, at] of this.seen) {
      if (at > cutoff) break;
      this.seen.delete(id);
    }
  }
}
