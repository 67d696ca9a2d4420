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
}

/** The plain store: a Map. Processor tests use it bare; the runtime wraps it for logging. */
export class InMemoryKeyValueStore<V> implements KeyValueStore<V> {
  private readonly map = new Map<string, V>();

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  put(key: string, value: V): void {
    this.map.set(key, value);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }
}
