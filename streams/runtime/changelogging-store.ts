import type { KeyValueStore } from './store';

/** One pending changelog entry: the key and its value now (`undefined` is a delete, a tombstone). */
export interface StoreChange<V> {
  key: string;
  value: V | undefined;
}

/**
 * Decorates a plain store so the runtime can log and undo what a transaction wrote. Only the
 * last value of each key is logged per transaction (the changelog is compacted, so earlier ones
 * would be dead weight). The value each key had before the transaction is kept so an aborted
 * transaction can put the store back exactly as the committed changelog describes it.
 */
export class ChangeLoggingStore<V> implements KeyValueStore<V> {
  private readonly before = new Map<string, V | undefined>();

  constructor(readonly inner: KeyValueStore<V>) {}

  get(key: string): V | undefined {
    return this.inner.get(key);
  }

  put(key: string, value: V): void {
    this.remember(key);
    this.inner.put(key, value);
  }

  delete(key: string): void {
    this.remember(key);
    this.inner.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.inner.entries();
  }

  get size(): number {
    return this.inner.size;
  }

  get counted(): number {
    return this.inner.counted;
  }

  /**
   * What the open transaction changed, one entry per key. A key it created and deleted again
   * (a job queued and dispatched in one chunk) was never in the committed changelog, so it owes
   * no tombstone.
   */
  changes(): StoreChange<V>[] {
    const out: StoreChange<V>[] = [];
    for (const [key, was] of this.before) {
      const value = this.inner.get(key);
      if (was !== undefined || value !== undefined) out.push({ key, value });
    }
    return out;
  }

  /** The transaction committed: its writes are now the baseline. */
  commit(): void {
    // Map.clear allocates a fresh table even when empty; a transaction may have written nothing here.
    if (this.before.size > 0) this.before.clear();
  }

  /** The transaction aborted: undo its writes. */
  rollback(): void {
    for (const [key, value] of this.before) {
      if (value === undefined) this.inner.delete(key);
      else this.inner.put(key, value);
    }
    this.before.clear();
  }

  private remember(key: string): void {
    if (!this.before.has(key)) this.before.set(key, this.inner.get(key));
  }
}
