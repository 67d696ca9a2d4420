import { allotTaskShares } from '../../../models/scheduling/task-shares';

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

describe('allotTaskShares', () => {
  it('gives one busy task most of the fleet and every other task its floor', () => {
    // 24 instances, 6 tasks: a floor of a quarter of the equal split (1 instance) each.
    const shares = allotTaskShares(24, [40, 0, 0, 0, 0, 0]);
    expect(shares[0]).toBeCloseTo(19);
    for (const s of shares.slice(1)) expect(s).toBeCloseTo(1);
    expect(sum(shares)).toBeCloseTo(24);
  });

  it('meets small demands in full and splits the rest equally between the big ones (max-min fair)', () => {
    const shares = allotTaskShares(12, [2, 10, 10, 0.5], 0);
    expect(shares).toEqual([2, expect.closeTo(4.75), expect.closeTo(4.75), 0.5]);
  });

  it('splits capacity nobody asks for equally, so it is ready wherever demand comes next', () => {
    const shares = allotTaskShares(10, [1, 3, 0, 0], 0);
    // Demands met (4 instances), 6 left: 1.5 more each.
    expect(shares).toEqual([2.5, 4.5, 1.5, 1.5]);
    expect(allotTaskShares(6, [0, 0, 0])).toEqual([2, 2, 2]);
  });

  it('never hands out more than the fleet, whatever the demand says', () => {
    for (const demands of [[1e9, 1e9], [Number.NaN, 3], [-5, Infinity], [7, 7, 7, 7, 7]]) {
      const shares = allotTaskShares(5, demands);
      expect(sum(shares)).toBeCloseTo(5);
      for (const s of shares) expect(s).toBeGreaterThan(0);
    }
    // A bad report counts as no demand: the other task gets what it asks for.
    expect(allotTaskShares(4, [Number.NaN, 3], 0)).toEqual([0.5, 3.5]);
  });

  it('shares a fleet smaller than the task count in fractions; an empty fleet gives nothing', () => {
    const shares = allotTaskShares(2, [5, 0, 0, 0, 0, 0]);
    expect(sum(shares)).toBeCloseTo(2);
    expect(shares[0]).toBeCloseTo(2 - 5 * (0.5 / 6));
    expect(allotTaskShares(0, [3, 3])).toEqual([0, 0]);
    expect(allotTaskShares(3, [])).toEqual([]);
    expect(() => allotTaskShares(3, [1], 1.5)).toThrow(RangeError);
  });
});
