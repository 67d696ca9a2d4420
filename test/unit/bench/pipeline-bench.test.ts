import { RequestMix } from '../../../streams/bench/request-mix';
import { countMs, type MsCounts, mergeMsCounts, quantile, quantileOfCounts, Series, steadyRate } from '../../../streams/bench/stats';

describe('bench statistics', () => {
  it('takes nearest-rank quantiles', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('measures the steady rate without the start-up and the tail', () => {
    // 1000 records at 1 per ms after a 5 s start-up stall of the first 50: steady 1000/s.
    const arrivals = Array.from({ length: 1000 }, (_, i) => (i < 50 ? 5000 : 5000 + i));
    const steady = steadyRate(arrivals);
    expect(steady.perSecond).toBeCloseTo(1000, 0);
    expect(steady.seconds).toBeCloseTo(0.799, 3); // records 100..899, 1 ms apart
    expect(steadyRate([1, 2, 3]).perSecond).toBeNaN();
    expect(steadyRate([]).perSecond).toBeNaN();
  });

  it('takes the same quantiles from counts per millisecond, merged over instances', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    const a: MsCounts = {};
    const b: MsCounts = {};
    xs.forEach((x, i) => countMs(i % 3 === 0 ? a : b, x + 0.3)); // rounded to whole ms
    const all = mergeMsCounts(a, b);
    for (const q of [0.01, 0.5, 0.99, 1]) expect(quantileOfCounts(all, q)).toBe(quantile(xs, q));
    expect(quantileOfCounts(a, 1)).toBe(100); // 100 is xs[0], counted in a
    expect(quantileOfCounts({}, 0.5)).toBeNaN();
  });

  it('grows a series past its first allocation', () => {
    const s = new Series();
    for (let i = 0; i < 5000; i++) s.push(i);
    expect(s.length).toBe(5000);
    expect(s.values()[4999]).toBe(4999);
  });
});

describe('the bench request mix', () => {
  const programs = ['a();', 'b();', 'c();', 'd();'];

  it('is reproducible, unique by id, and skewed: a few users send most requests', () => {
    const draw = () => {
      const mix = new RequestMix({ programs, users: 1000, runId: 'r', seed: 7 });
      return Array.from({ length: 20_000 }, () => mix.next(0));
    };
    const requests = draw();
    expect(draw()).toEqual(requests);
    expect(new Set(requests.map((r) => r.requestId)).size).toBe(requests.length);
    const perUser = new Map<string, number>();
    for (const r of requests) perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + 1);
    const counts = [...perUser.values()].sort((a, b) => b - a);
    const top10 = counts.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(top10 / requests.length).toBeGreaterThan(0.25);
    expect(perUser.size).toBeGreaterThan(500);
    // A user keeps its tier.
    const tiers = new Map<string, Set<string>>();
    for (const r of requests) tiers.set(r.userId, (tiers.get(r.userId) ?? new Set()).add(r.tier));
    expect([...tiers.values()].every((t) => t.size === 1)).toBe(true);
    expect(new Set(requests.map((r) => r.tier))).toEqual(new Set(['ENTERPRISE', 'PREMIUM', 'STANDARD', 'FREE']));
  });

  it('makes the asked share of requests first-seen code', () => {
    const mix = new RequestMix({ programs, runId: 'r', novelCode: 0.25 });
    const requests = Array.from({ length: 4000 }, () => mix.next(0));
    const novel = requests.filter((r) => !programs.includes(r.code)).length / requests.length;
    expect(novel).toBeGreaterThan(0.2);
    expect(novel).toBeLessThan(0.3);
  });
});
