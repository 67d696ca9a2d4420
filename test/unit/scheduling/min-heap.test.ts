import { MinHeap } from '../../../models/scheduling/min-heap';

describe('MinHeap', () => {
  it('pops in comparator order whether built at once or pushed one by one', () => {
    let seed = 11;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
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
