import { seededRandom } from '../../../models/seeded-random';
import { LogHistogramLayout } from '../../../models/profiles/log-histogram';

function exactQuantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
}

const random = seededRandom(7);
const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const distributions: Record<string, () => number> = {
  lognormal: () => Math.exp(5 + 1.2 * normal()),
  exponential: () => -Math.log(1 - random()) * 300,
  uniform: () => 10 + 990 * random(),
  pareto: () => 50 / Math.pow(1 - random(), 1 / 1.5),
};

describe('LogHistogramLayout', () => {
  const layout = new LogHistogramLayout(56, 0.08);

  it.each(Object.keys(distributions))('%s: p50/p90/p99 within the relative accuracy of the exact quantiles', (name) => {
    const d = new Float32Array(layout.size);
    layout.clear(d, 0);
    const xs = Array.from({ length: 20_000 }, distributions[name]!);
    for (const x of xs) layout.add(d, 0, x, 1);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = exactQuantile(xs, q);
      const est = layout.quantile(d, 0, q);
      expect(Math.abs(est - exact) / exact).toBeLessThanOrEqual(0.08 + 1e-6);
    }
  });

  it('keeps upper quantiles accurate when the range exceeds the window (low buckets collapse)', () => {
    const d = new Float32Array(layout.size);
    layout.clear(d, 0);
    const xs = Array.from({ length: 5_000 }, (_, i) => Math.pow(10, (8 * i) / 5_000)); // 1 .. 1e8
    for (const x of xs) layout.add(d, 0, x, 1);
    expect(layout.total(d, 0)).toBeCloseTo(5_000, 0);
    const exact = exactQuantile(xs, 0.9);
    expect(Math.abs(layout.quantile(d, 0, 0.9) - exact) / exact).toBeLessThanOrEqual(0.08 + 1e-6);
  });

  it('counts zeros and answers 0 for quantiles inside them', () => {
    const d = new Float32Array(layout.size);
    layout.clear(d, 0);
    for (let i = 0; i < 60; i++) layout.add(d, 0, 0, 1);
    for (let i = 0; i < 40; i++) layout.add(d, 0, 100, 1);
    expect(layout.quantile(d, 0, 0.5)).toBe(0);
    expect(Math.abs(layout.quantile(d, 0, 0.9) - 100) / 100).toBeLessThanOrEqual(0.08);
  });

  it('merges two histograms with different windows into the histogram of the union', () => {
    const a = new Float32Array(layout.size);
    const b = new Float32Array(layout.size);
    const u = new Float32Array(layout.size);
    [a, b, u].forEach((d) => layout.clear(d, 0));
    const low = Array.from({ length: 3_000 }, () => 1 + 9 * random());
    const high = Array.from({ length: 1_000 }, () => 1e4 + 9e4 * random());
    low.forEach((x) => { layout.add(a, 0, x, 1); layout.add(u, 0, x, 1); });
    high.forEach((x) => { layout.add(b, 0, x, 1); layout.add(u, 0, x, 1); });
    layout.merge(a, 0, b, 0, 1);
    for (const q of [0.5, 0.8, 0.99]) expect(layout.quantile(a, 0, q)).toBeCloseTo(layout.quantile(u, 0, q), 6);
  });

  it('rejects bad configuration', () => {
    expect(() => new LogHistogramLayout(2, 0.08)).toThrow(RangeError);
    expect(() => new LogHistogramLayout(56, 0.7)).toThrow(RangeError);
  });
});
