import { decidePromotion, heldOutMetrics, type HeldOutMetrics } from '../../../models/training/compare';
import { splitByTime } from '../../../models/training/dataset';
import { flatEstimate, windowRows } from './rows';

const rule = { minComparedRows: 3, minImprovement: 0 };

describe('held-out metrics and promotion', () => {
  it('scores an exact prediction at zero error and full p90 coverage, a wrong one worse', () => {
    const actual = [{ cpu_ms: 100, peak_memory_mb: 40, duration_ms: 100 }, { cpu_ms: 100, peak_memory_mb: 40, duration_ms: 100 }];
    const exact = heldOutMetrics([flatEstimate(100), flatEstimate(100)], actual);
    expect(exact.mae_log_cpu_ms).toBe(0);
    expect(exact.coverage_p90_cpu_ms).toBe(1);
    expect(exact.rows).toBe(2);
    const low = heldOutMetrics([flatEstimate(1), flatEstimate(1)], actual);
    expect(low.mae_log_cpu_ms).toBeCloseTo(Math.log(101) - Math.log(2), 9);
    expect(low.coverage_p90_cpu_ms).toBe(0);
    expect(low.pinball_log_mean).toBeGreaterThan(exact.pinball_log_mean);
  });

  it('promotes only a candidate strictly better than the current version on the same rows', () => {
    const m = (pinball: number, rows = 10): HeldOutMetrics => ({
      rows, pinball_log_mean: pinball, pinball_log_cpu_ms: pinball, pinball_log_peak_memory_mb: pinball, pinball_log_duration_ms: pinball, mae_log_cpu_ms: pinball, coverage_p90_cpu_ms: 0.9,
    });
    expect(decidePromotion(m(0.2), m(0.3), rule)).toMatchObject({ promoted: true });
    expect(decidePromotion(m(0.4), m(0.3), rule)).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.3), m(0.3), rule)).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.29), m(0.3), { ...rule, minImprovement: 0.05 })).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.1, 2), m(0.3, 2), rule)).toMatchObject({ promoted: false, reason: expect.stringContaining('fewer than 3') });
    expect(decidePromotion(m(0.1), undefined, rule)).toMatchObject({ promoted: false });
    expect(() => decidePromotion(m(0.1, 10), m(0.3, 11), rule)).toThrow(/different rows/);
  });

  it('holds out the latest share of the window by event time', () => {
    const rows = windowRows(40).reverse();
    const { train, heldOut } = splitByTime(rows, 0.25);
    expect(heldOut.map((r) => r.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r00${30 + i}`));
    expect(train).toHaveLength(30);
    expect(Math.max(...train.map((r) => r.analyzedAt.getTime()))).toBeLessThan(Math.min(...heldOut.map((r) => r.analyzedAt.getTime())));
  });
});
