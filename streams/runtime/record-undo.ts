import type { KeyValueStore } from './store';

/**
 * The undo log of the record in hand, over all of a task's stores: each write, with the value
 * its key had before, so a failed record's writes are taken back newest first. Kept in slots that
 * are reused record after record: per-store maps cleared after every record allocated a new
 * table for each store the record wrote, and a record writes several.
 */
export class RecordUndoLog {
  private readonly stores: KeyValueStore<unknown>[] = [];
  private readonly keys: string[] = [];
  private readonly previous: unknown[] = [];
  private length = 0;

  /** A view of `store` whose writes are logged here before they happen. */
  track<V>(store: KeyValueStore<V>): KeyValueStore<V> {
    return new UndoableStore(store, this);
  }

  /** Notes what `key` holds in `store` now, before a write changes it. */
  note(store: KeyValueStore<unknown>, key: string): void {
    const i = this.length++;
    this.stores[i] = store;
    this.keys[i] = key;
    this.previous[i] = store.get(key);
  }

  /** The record succeeded: its writes stay. */
  commit(): void {
    // Slots are released for the garbage collector, not dropped: the arrays keep their capacity.
    for (let i = 0; i < this.length; i++) {
      this.stores[i] = undefined as unknown as KeyValueStore<unknown>;
      this.previous[i] = undefined;
    }
    this.length = 0;
  }

  /** The record failed: every store is put back as it was before the record. */
  rollback(): void {
    for (let i = this.length - 1; i >= 0; i--) {
      const store = this.stores[i]!;
      const was = this.previous[i];
      if (was === undefined) store.delete(this.keys[i]!);
      else store.put(this.keys[i]!, was);
    }
    this.commit();
  }
}

class UndoableStore<V> implements KeyValueStore<V> {
  constructor(
    private readonly inner: KeyValueStore<V>,
    private readonly log: RecordUndoLog,
  ) {}

  get(key: string): V | undefined {
    return this.inner.get(key);
  }

  put(key: string, value: V): void {
    this.log.note(this.inner as KeyValueStore<unknown>, key);
    this.inner.put(key, value);
  }

  delete(key: string): void {
    this.log.note(this.inner as KeyValueStore<unknown>, key);
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
}
