import { SizeEstimator } from '../../../models/scheduling/size-estimator';

describe('SizeEstimator', () => {
  it('refuses a duration that is not a finite non-negative number, and keeps every estimate as it was', () => {
    const e = new SizeEstimator();
    e.observe('a', 30);
    const before = [e.predict('a'), e.predict('someone-new')];
    for (const bad of [NaN, Infinity, -1]) expect(() => e.observe('a', bad)).toThrow(RangeError);
    expect([e.predict('a'), e.predict('someone-new')]).toEqual(before);
    expect(Number.isFinite(before[1]!.p50)).toBe(true);
  });
});
