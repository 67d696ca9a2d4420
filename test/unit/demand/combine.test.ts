import { combineDemand, type ComponentEstimate } from '../../../models/demand/combine';

const q = (p50: number, p90: number, p99: number) => ({ p50, p90, p99 });
const code: ComponentEstimate = { source: 'CODE_ANALYSIS', model: { name: 'code', version: '1' }, cpuMs: q(10, 20, 40), peakMemoryBytes: q(100, 200, 400), durationMs: q(12, 24, 48) };
const profile: ComponentEstimate = { source: 'USER_PROFILE', model: { name: 'profile', version: '1' }, cpuMs: q(1000, 2000, 4000), peakMemoryBytes: q(100, 200, 400), ioBytes: q(5, 6, 7), durationMs: q(1200, 2400, 4800) };

describe('combineDemand', () => {
  it('mixes each quantile as a weighted mean of ln(1 + value)', () => {
    const out = combineDemand([{ estimate: code, weight: 1 }, { estimate: profile, weight: 1 }]);
    expect(out.cpuMs.p50).toBeCloseTo(Math.expm1((Math.log1p(10) + Math.log1p(1000)) / 2), 9);
    expect(out.cpuMs.p50).toBeGreaterThan(90);
    expect(out.cpuMs.p50).toBeLessThan(110);
    expect(out.peakMemoryBytes.p90).toBeCloseTo(200, 9);
  });

  it('mixes a resource only some components estimate from those alone, and reports weights normalised', () => {
    const out = combineDemand([{ estimate: code, weight: 3 }, { estimate: profile, weight: 1 }]);
    expect(out.ioBytes.p50).toBeCloseTo(5, 9);
    expect(out.components.map((c) => c.weight)).toEqual([0.75, 0.25]);
    expect(out.components[0]!.ioBytes).toEqual(q(0, 0, 0));
  });

  it('ignores a zero-weight component and keeps quantiles ordered', () => {
    const skewed: ComponentEstimate = { ...code, cpuMs: q(50, 49.999999, 49) };
    const out = combineDemand([{ estimate: skewed, weight: 1 }, { estimate: profile, weight: 0 }]);
    expect(out.cpuMs.p50).toBeCloseTo(50, 9);
    expect(out.cpuMs.p90).toBeGreaterThanOrEqual(out.cpuMs.p50);
    expect(out.cpuMs.p99).toBeGreaterThanOrEqual(out.cpuMs.p90);
    expect(out.ioBytes).toEqual(q(0, 0, 0));
  });

  it('refuses no components or no positive weight', () => {
    expect(() => combineDemand([])).toThrow(RangeError);
    expect(() => combineDemand([{ estimate: code, weight: 0 }])).toThrow(RangeError);
  });
});
