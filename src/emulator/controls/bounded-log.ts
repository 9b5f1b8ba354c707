/**
 * An append-only log that keeps its newest `max` entries. Dropping the oldest entry on every append
 * (`splice(0, 1)` on a full array) costs O(max) per request once a benchmark fills the log; here the
 * dropped entries are only skipped, and removed in one go when they are a quarter of `max` or when
 * the log is read, so an append is amortised O(1).
 */
export class BoundedLog<T> {
  private readonly max: number;
  private items: T[] = [];
  /** Entries before this index are dropped but not yet removed. */
  private head = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** How many entries the log holds (at most `max`). */
  get length(): number {
    return this.items.length - this.head;
  }

  push(entry: T): void {
    this.items.push(entry);
    if (this.length <= this.max) return;
    this.head += 1;
    if (this.head >= Math.max(1, this.max / 4)) this.compact();
  }

  /** The entries, oldest first: the log's own array, which later appends extend. */
  entries(): T[] {
    this.compact();
    return this.items;
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.items.splice(0, this.head);
    this.head = 0;
  }
}
