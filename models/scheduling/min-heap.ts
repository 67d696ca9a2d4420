/** A binary min-heap under a comparator; the comparator must be a total order for determinism. */
export class MinHeap<T> {
  protected items: T[] = [];

  constructor(protected readonly less: (a: T, b: T) => number) {}

  /** A heap of `items` (taken over, not copied), built bottom-up in linear time. */
  static of<T>(items: T[], less: (a: T, b: T) => number): MinHeap<T> {
    const h = new MinHeap(less);
    h.heapify(items);
    return h;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    this.items.push(item);
    this.siftUp(this.items.length - 1, item);
  }

  pop(): T | undefined {
    return this.items.length === 0 ? undefined : this.removeAt(0);
  }

  /**
   * Puts `items` in heap order in place and takes them over. Only the items sifted are reported
   * moved: each must already know its index in `items` (a keyed heap's slots are made knowing it).
   */
  protected heapify(items: T[]): void {
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.siftDown(i, items[i]!);
  }

  /** Takes out the item at `i`, the last one filling its place. */
  protected removeAt(i: number): T {
    const a = this.items;
    const removed = a[i]!;
    const last = a.pop()!;
    if (i < a.length) {
      // The last item may belong above or below the hole.
      if (i > 0 && this.less(last, a[(i - 1) >> 1]!) < 0) this.siftUp(i, last);
      else this.siftDown(i, last);
    }
    return removed;
  }

  /** Called with each item's new index as it moves (a keyed heap keeps its index). */
  protected moved(_item: T, _index: number): void {}

  /** Moves `item`, bound for slot `from`, up to its place. */
  private siftUp(from: number, item: T): void {
    const a = this.items;
    let i = from;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = a[p]!;
      if (this.less(item, parent) >= 0) break;
      a[i] = parent;
      this.moved(parent, i);
      i = p;
    }
    a[i] = item;
    this.moved(item, i);
  }

  /** Moves `item`, bound for slot `from`, down to its place. */
  private siftDown(from: number, item: T): void {
    const a = this.items;
    const n = a.length;
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && this.less(a[r]!, a[l]!) < 0 ? r : l;
      const child = a[m]!;
      if (this.less(child, item) >= 0) break;
      a[i] = child;
      this.moved(child, i);
      i = m;
    }
    a[i] = item;
    this.moved(item, i);
  }
}

interface Slot<T> {
  item: T;
  /** Where the slot is in the heap's array, kept as it moves. */
  at: number;
}

/**
 * A min-heap holding at most one item per key, which can drop an item by its key in O(log n):
 * for items that become void before they reach the top (a run's lease once the run has ended),
 * so the heap holds only the live ones instead of every item until its turn comes.
 */
export class KeyedMinHeap<K, T> {
  private readonly slots = new Map<K, Slot<T>>();
  private readonly heap: SlotHeap<T>;

  constructor(less: (a: T, b: T) => number, private readonly keyOf: (item: T) => K) {
    this.heap = new SlotHeap((a, b) => less(a.item, b.item));
  }

  /** A heap of `items` (their keys distinct), built in linear time. */
  static of<K, T>(items: readonly T[], less: (a: T, b: T) => number, keyOf: (item: T) => K): KeyedMinHeap<K, T> {
    const h = new KeyedMinHeap(less, keyOf);
    const slots = items.map((item, at) => ({ item, at }));
    for (const slot of slots) h.slots.set(keyOf(slot.item), slot);
    if (h.slots.size !== items.length) throw new RangeError(`${items.length - h.slots.size} repeated keys among ${items.length} items`);
    h.heap.build(slots);
    return h;
  }

  get size(): number {
    return this.heap.size;
  }

  has(key: K): boolean {
    return this.slots.has(key);
  }

  get(key: K): T | undefined {
    return this.slots.get(key)?.item;
  }

  peek(): T | undefined {
    return this.heap.peek()?.item;
  }

  /** Adds `item`, replacing the item of the same key if there is one. */
  push(item: T): void {
    const key = this.keyOf(item);
    this.delete(key);
    const slot = { item, at: -1 };
    this.slots.set(key, slot);
    this.heap.push(slot);
  }

  pop(): T | undefined {
    const top = this.heap.pop();
    if (top === undefined) return undefined;
    this.slots.delete(this.keyOf(top.item));
    return top.item;
  }

  /** Every item, in no particular order. Do not change the heap while iterating. */
  *values(): IterableIterator<T> {
    for (const slot of this.slots.values()) yield slot.item;
  }

  /** Drops the item of `key`; returns it, or undefined if there was none. */
  delete(key: K): T | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined) return undefined;
    this.slots.delete(key);
    this.heap.take(slot.at);
    return slot.item;
  }
}

/** The heap of a KeyedMinHeap: each slot knows its index. */
class SlotHeap<T> extends MinHeap<Slot<T>> {
  build(slots: Slot<T>[]): void {
    this.heapify(slots);
  }

  take(at: number): void {
    this.removeAt(at);
  }

  protected override moved(slot: Slot<T>, index: number): void {
    slot.at = index;
  }
}
