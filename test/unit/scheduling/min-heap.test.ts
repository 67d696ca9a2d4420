import { KeyedMinHeap, MinHeap } from '../../../models/scheduling/min-heap';

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('MinHeap', () => {
  it('pops in comparator order whether built at once or pushed one by one', () => {
    const rand = lcg(11);
    const items = Array.from({ length: 500 }, (_, i) => ({ key: Math.floor(rand() * 50), i }));
    const less = (a: { key: number; i: number }, b: { key: number; i: number }) => a.key - b.key || a.i - b.i;
    const expected = [...items].sort(less);
    const built = MinHeap.of([...items], less);
    const pushed = new MinHeap(less);
    for (const x of items) pushed.push(x);
    const drain = (h: MinHeap<{ key: number; i: number }>) => Array.from({ length: items.length }, () => h.pop()!);
    expect(drain(built)).toEqual(expected);
    expect(drain(pushed)).toEqual(expected);
    expect(built.pop()).toBeUndefined();
  });
});

describe('KeyedMinHeap', () => {
  interface Lease { id: string; until: number }
  const less = (a: Lease, b: Lease) => a.until - b.until || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  it('holds only the live items: deleted and replaced ones go at once, and the rest still pop in order', () => {
    const rand = lcg(7);
    const heap = new KeyedMinHeap<string, Lease>(less, (l) => l.id);
    const live = new Map<string, Lease>();
    for (let step = 0; step < 5000; step++) {
      const r = rand();
      const id = `r${Math.floor(rand() * 300)}`;
      if (r < 0.5) {
        // Pushing a key already held replaces its item (a retried run's newer lease).
        const lease = { id, until: Math.floor(rand() * 1000) };
        heap.push(lease);
        live.set(id, lease);
      } else if (r < 0.85) {
        expect(heap.delete(id)).toEqual(live.get(id));
        live.delete(id);
      } else {
        const expected = [...live.values()].sort(less)[0];
        expect(heap.pop()).toEqual(expected);
        if (expected) live.delete(expected.id);
      }
      expect(heap.size).toBe(live.size);
      expect(heap.has(id)).toBe(live.has(id));
    }
    const drained = Array.from({ length: heap.size }, () => heap.pop());
    expect(drained).toEqual([...live.values()].sort(less));
    expect(heap.pop()).toBeUndefined();
  });

  it('is built at once from items with distinct keys, and refuses repeated ones', () => {
    const items = [{ id: 'c', until: 3 }, { id: 'a', until: 1 }, { id: 'b', until: 2 }];
    const heap = KeyedMinHeap.of([...items], less, (l) => l.id);
    expect(heap.delete('b')).toEqual({ id: 'b', until: 2 });
    expect(heap.delete('b')).toBeUndefined();
    expect([heap.pop(), heap.pop(), heap.pop()]).toEqual([{ id: 'a', until: 1 }, { id: 'c', until: 3 }, undefined]);
    expect(() => KeyedMinHeap.of([{ id: 'a', until: 1 }, { id: 'a', until: 2 }], less, (l) => l.id)).toThrow(/1 repeated keys/);
  });
});
