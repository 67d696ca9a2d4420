import { RecentRequests } from '../../../models/scheduling/recent-requests';

const HOUR = 3_600_000;

describe('RecentRequests', () => {
  it('remembers an id until its retention has passed in event time, then forgets it', () => {
    const r = new RecentRequests({ retentionMs: 24 * HOUR, maxIds: 100 });
    r.remember('a', 0);
    r.remember('b', 10 * HOUR);
    expect(r.expire(24 * HOUR - 1)).toEqual([]);
    expect(r.has('a')).toBe(true);
    expect(r.expire(24 * HOUR)).toEqual(['a']);
    expect([r.has('a'), r.has('b')]).toEqual([false, true]);
    expect(r.expire(34 * HOUR)).toEqual(['b']);
    expect(r.size).toBe(0);
  });

  it('never holds more than maxIds: the oldest go first', () => {
    const r = new RecentRequests({ retentionMs: HOUR, maxIds: 3 });
    const forgotten: string[] = [];
    for (let i = 0; i < 10; i++) forgotten.push(...r.remember(`id-${i}`, i).forgotten);
    expect(r.size).toBe(3);
    expect(forgotten).toEqual(Array.from({ length: 7 }, (_, i) => `id-${i}`));
    expect(['id-7', 'id-8', 'id-9'].every((id) => r.has(id))).toBe(true);
  });

  it('holds a steady stream to what arrived within the retention', () => {
    const r = new RecentRequests({ retentionMs: 1000, maxIds: 1_000_000 });
    let largest = 0;
    for (let t = 0; t < 100_000; t += 10) {
      r.expire(t);
      r.remember(`id-${t}`, t);
      largest = Math.max(largest, r.size);
    }
    expect(largest).toBe(100); // 1000 ms of ids, one every 10 ms
  });

  it('holds, beyond the ids it remembers, at most a chunk of places it has forgotten, window after window', () => {
    const r = new RecentRequests({ retentionMs: 10_000, maxIds: 1_000_000 });
    let mostHeld = 0;
    for (let t = 0; t < 100_000; t++) {
      r.expire(t);
      r.remember(`id-${t}`, t);
      if (t >= 10_000) mostHeld = Math.max(mostHeld, r.placesHeld - r.size);
    }
    expect(r.size).toBe(10_000);
    expect(mostHeld).toBeLessThanOrEqual(1024);
  });

  it('keeps its order when told an earlier time than the latest: it counts as the latest', () => {
    const r = new RecentRequests({ retentionMs: 100, maxIds: 10 });
    r.remember('late', 50);
    const { entry } = r.remember('early', 10);
    expect(entry).toEqual({ atMs: 50, seq: 1 });
    expect(r.expire(149)).toEqual([]);
    expect(r.expire(150)).toEqual(['late', 'early']);
  });

  it('forgets exactly as before after a restore from its stored entries, in any order', () => {
    const stored = new Map<string, { atMs: number; seq: number }>();
    const a = new RecentRequests({ retentionMs: 100, maxIds: 3 });
    for (const [id, t] of [['x', 0], ['y', 0], ['z', 40]] as const) stored.set(id, a.remember(id, t).entry);
    const b = new RecentRequests({ retentionMs: 100, maxIds: 3 });
    b.restore([...stored].reverse());
    expect(b.remember('w', 50)).toEqual(a.remember('w', 50)); // both forget x, the first remembered at 0
    expect(b.expire(140)).toEqual(['y', 'z']);
    expect(a.expire(140)).toEqual(['y', 'z']);
    expect(b.expire(1000)).toEqual(['w']);
  });

  it('moves an id remembered again to the back: it is forgotten after the ids remembered since, once', () => {
    const r = new RecentRequests({ retentionMs: 100, maxIds: 2 });
    r.remember('a', 0);
    r.remember('b', 10);
    r.remember('a', 20); // a retried run dispatched again
    expect(r.remember('c', 30).forgotten).toEqual(['b']);
    expect(r.remember('d', 40).forgotten).toEqual(['a']);
    expect(r.expire(1000)).toEqual(['c', 'd']);
    expect(r.size).toBe(0);
    // Thousands of ids through a small bound: the order's consumed chunks are let go and the rest still comes out in order.
    const big = new RecentRequests({ retentionMs: 100, maxIds: 10 });
    const out: string[] = [];
    for (let i = 0; i < 5000; i++) out.push(...big.remember(`id-${i % 3000}`, 50).forgotten);
    expect(out).toHaveLength(4990);
    expect(out.slice(-3)).toEqual(['id-1987', 'id-1988', 'id-1989']);
    expect(big.expire(150)).toEqual(Array.from({ length: 10 }, (_, i) => `id-${1990 + i}`));
  });

  it('refuses a retention or a bound that is not positive', () => {
    expect(() => new RecentRequests({ retentionMs: 0, maxIds: 1 })).toThrow(RangeError);
    expect(() => new RecentRequests({ retentionMs: 1, maxIds: 0 })).toThrow(RangeError);
  });
});
