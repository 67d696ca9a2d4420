import { decidePromotion, heldOutMetrics, type HeldOutMetrics } from '../../../models/training/compare';
import { decideForecastPromotion } from '../../../models/training/forecast-model';
import { splitByTime } from '../../../models/training/dataset';
import { flatEstimate, windowRows } from './rows';

const rule = { minComparedRows: 3, minImprovement: 0 };

describe('held-out metrics and promotion', () => {
  it('scores an exact prediction at zero error and full p90 coverage, a wrong one worse', () => {
    const actual = [{ cpu_ms: 100, peak_memory_mb: 40, duration_ms: 100 }, { cpu_ms: 100, peak_memory_mb: 40, duration_ms: 100 }];
    const exact = heldOutMetrics([flatEstimate(100), flatEstimate(100)], actual);
    expect(exact.mae_log_cpu_ms).toBe(0);
    expect(exact.coverage_p90_cpu_ms).toBe(1);
    expect(exact.coverage_p90_peak_memory_mb).toBe(1);
    // Memory predicted at a p90 of 60 MB for 40 measured: covered, at a loss of 0.1 × ln(61/41).
    expect(exact.pinball_log_p90_peak_memory_mb).toBeCloseTo(0.1 * Math.log(61 / 41), 12);
    expect(exact.rows).toBe(2);
    const low = heldOutMetrics([flatEstimate(1), flatEstimate(1)], actual);
    expect(low.mae_log_cpu_ms).toBeCloseTo(Math.log(101) - Math.log(2), 9);
    expect(low.coverage_p90_cpu_ms).toBe(0);
    expect(low.pinball_log_mean).toBeGreaterThan(exact.pinball_log_mean);
  });

  it('promotes only a candidate strictly better than the current version on the same rows', () => {
    const m = (pinball: number, rows = 10): HeldOutMetrics => ({
      rows, pinball_log_mean: pinball, pinball_log_cpu_ms: pinball, pinball_log_peak_memory_mb: pinball, pinball_log_duration_ms: pinball, mae_log_cpu_ms: pinball,
      coverage_p90_cpu_ms: 0.9, pinball_log_p90_peak_memory_mb: pinball, coverage_p90_peak_memory_mb: 0.9,
    });
    expect(decidePromotion(m(0.2), m(0.3), rule)).toMatchObject({ promoted: true });
    expect(decidePromotion(m(0.4), m(0.3), rule)).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.3), m(0.3), rule)).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.29), m(0.3), { ...rule, minImprovement: 0.05 })).toMatchObject({ promoted: false });
    expect(decidePromotion(m(0.1, 2), m(0.3, 2), rule)).toMatchObject({ promoted: false, reason: expect.stringContaining('fewer than 3') });
    expect(decidePromotion(m(0.1), undefined, rule)).toMatchObject({ promoted: false });
    expect(() => decidePromotion(m(0.1, 10), m(0.3, 11), rule)).toThrow(/different rows/);
  });

  it('refuses a candidate better on average but worse at the memory p90 the scheduler reserves from', () => {
    const m = (pinball: number, memoryP90: number): HeldOutMetrics => ({
      rows: 10, pinball_log_mean: pinball, pinball_log_cpu_ms: pinball, pinball_log_peak_memory_mb: pinball, pinball_log_duration_ms: pinball, mae_log_cpu_ms: pinball,
      coverage_p90_cpu_ms: 0.9, pinball_log_p90_peak_memory_mb: memoryP90, coverage_p90_peak_memory_mb: 0.9,
    });
    expect(decidePromotion(m(0.2, 0.105), m(0.3, 0.1), rule)).toMatchObject({
      promoted: false, reason: expect.stringContaining('worse where memory is reserved: pinball_log_mean 0.2000 vs current 0.3000; pinball_log_p90_peak_memory_mb 0.1050 vs current 0.1000, more than 2% worse'),
    });
    expect(decidePromotion(m(0.2, 0.1015), m(0.3, 0.1), rule)).toMatchObject({ promoted: true });
    expect(decidePromotion(m(0.2, 0.105), m(0.3, 0.1), { ...rule, sizingLossTolerance: 0.1 })).toMatchObject({ promoted: true });
    // Better at the p90 alone never promotes.
    expect(decidePromotion(m(0.4, 0.01), m(0.3, 0.1), rule)).toMatchObject({ promoted: false, reason: expect.stringMatching(/^not better/) });
  });

  it('scores a p90 that covers less, but barely misses, as better than one far too high', () => {
    // The guard is a proper score, not coverage: a tight p90 missing by a little beats a loose one.
    const actual = Array.from({ length: 10 }, () => ({ cpu_ms: 100, peak_memory_mb: 100, duration_ms: 100 }));
    const estimate = (memoryP90: number) => ({ cpu_ms: { p50: 100, p90: 150, p99: 200 }, peak_memory_mb: { p50: memoryP90 / 2, p90: memoryP90, p99: memoryP90 * 2 }, duration_ms: { p50: 100, p90: 150, p99: 200 } });
    const tight = heldOutMetrics(actual.map(() => estimate(95)), actual);
    const loose = heldOutMetrics(actual.map(() => estimate(1000)), actual);
    expect(tight.coverage_p90_peak_memory_mb).toBe(0);
    expect(loose.coverage_p90_peak_memory_mb).toBe(1);
    expect(tight.pinball_log_p90_peak_memory_mb).toBeLessThan(loose.pinball_log_p90_peak_memory_mb);
  });

  it('refuses a forecaster closer on average whose p90 is worse', () => {
    const options = { minComparedPoints: 10, minImprovement: 0.02 };
    const current = { points: 100, mae_p50: 10, pinball_p90: 2, coverage_p90: 0.91 };
    expect(decideForecastPromotion({ points: 100, mae_p50: 8, pinball_p90: 2.5, coverage_p90: 0.7 }, current, options)).toMatchObject({
      promoted: false, reason: expect.stringContaining('worse at the p90 capacity is sized from'),
    });
    expect(decideForecastPromotion({ points: 100, mae_p50: 8, pinball_p90: 1.5, coverage_p90: 0.8 }, current, options)).toMatchObject({ promoted: true });
  });

  it('holds out the latest share of the window by event time', () => {
    const rows = windowRows(40).reverse();
    const { train, heldOut } = splitByTime(rows, 0.25);
    expect(heldOut.map((r) => r.requestId)).toEqual(Array.from({ length: 10 }, (_, i) => `r00${30 + i}`));
    expect(train).toHaveLength(30);
    expect(Math.max(...train.map((r) => r.analyzedAt.getTime()))).toBeLessThan(Math.min(...heldOut.map((r) => r.analyzedAt.getTime())));
  });
});
