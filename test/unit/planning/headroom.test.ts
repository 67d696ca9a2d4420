import { AdaptiveHeadroom } from '../../../models/planning/headroom';
import { recentSpread } from '../../../models/planning/proactive-planner';

describe('AdaptiveHeadroom', () => {
  it("scales errors by the spread given with them ('spread', the default)", () => {
    const h = new AdaptiveHeadroom({ minOutcomes: 1, coverage: 0.5 });
    // Every outcome overshot its forecast of 100 by two spreads of 5 cores.
    for (let t = 0; t < 20; t++) h.observe(t * 300, 100, 110, 5);
    // The same 2-spread excess is asked for at the spread now: more spare when demand is jumpy.
    expect(h.factor(0, 100, 5)).toBeCloseTo(1.1, 9);
    expect(h.factor(0, 100, 20)).toBeCloseTo(1.4, 9);
    expect(h.factor(0, 100, 1)).toBeCloseTo(1.02, 9);
  });

  it("falls back to the forecast's square root without a spread", () => {
    const h = new AdaptiveHeadroom({ minOutcomes: 1, coverage: 0.5 });
    for (let t = 0; t < 20; t++) h.observe(t * 300, 100, 110); // +10 = one sqrt(100)
    expect(h.factor(0, 400)).toBeCloseTo(1.05, 9); // one sqrt(400) = 20 on 400
  });

  it('keeps the sqrt and ratio scalings when asked', () => {
    const sqrt = new AdaptiveHeadroom({ minOutcomes: 1, coverage: 0.5, scaling: 'sqrt' });
    const ratio = new AdaptiveHeadroom({ minOutcomes: 1, coverage: 0.5, scaling: 'ratio' });
    for (let t = 0; t < 20; t++) {
      sqrt.observe(t * 300, 100, 110, 5);
      ratio.observe(t * 300, 100, 110, 5);
    }
    expect(sqrt.factor(0, 100, 20)).toBeCloseTo(1.1, 9); // the spread is ignored
    expect(ratio.factor(0, 400, 20)).toBeCloseTo(1.1, 9);
  });
});

describe('recentSpread', () => {
  it('is the mean absolute step-to-step change over the trailing steps, skipping gaps', () => {
    const s = { startSeconds: 0, stepSeconds: 300, values: Float64Array.from([10, 20, 10, NaN, 14, 10, 16]) };
    expect(recentSpread(s, 2, 2)).toBe(10); // |20-10|, |10-20|
    expect(recentSpread(s, 6, 3)).toBe(5); // |10-14|, |16-10|; 14-NaN skipped
    expect(recentSpread(s, 0, 5)).toBe(0); // no change seen yet
  });
});
