/**
 * The narrow interface processors see for keyed state. Keys are strings (PRM topics are keyed by
 * user id); values are plain data the store's serde can write to its changelog.
 */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): void;
  /** Every entry, in insertion order. Do not write to the store while iterating. */
  entries(): IterableIterator<[string, V]>;
  readonly size: number;
  /**
   * Entries the store's `counts` (StoreDef) holds for, kept up as they change, so a gauge reads
   * it at a scrape where walking a store of hundreds of thousands of entries stalled the event
   * loop for tens of milliseconds. 0 for a store without it. Values must not be changed in place
   * (the undo log relies on that too): the count reads the value a put replaces.
   */
  readonly counted: number;
}

/** The plain store: a Map. Processor tests use it bare; the runtime wraps it for logging. */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  private readonly map = new Map<string, V>();
  private countedEntries = 0;

  constructor(private readonly counts?: (value: V) => boolean) {}

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  put(key: string, value: V): void {
    if (this.counts) this.countedEntries += (this.counts(value) ? 1 : 0) - this.countOf(this.map.get(key));
    this.map.set(key, value);
  }

  delete(key: string): void {
    if (this.counts) this.countedEntries -= this.countOf(this.map.get(key));
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  get counted(): number {
    return this.countedEntries;
  }

  private countOf(value: V | undefined): number {
    return value !== undefined && this.counts!(value) ? 1 : 0;
  }
}
