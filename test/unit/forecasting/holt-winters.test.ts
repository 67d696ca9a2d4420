import { lastValueModel } from '../../../models/forecasting/baselines';
import type { Series } from '../../../models/forecasting/forecaster';
import { fitHoltWinters, holtWintersModel } from '../../../models/forecasting/holt-winters';
import { quantileForecaster } from '../../../models/forecasting/quantile-forecaster';
import { seededRandom } from '../../../models/seeded-random';

const STEP = 3_600;
const DAY_STEPS = 24;

/** 30 days of hourly values: level 100, daily swing of +-40, slight trend, Gaussian noise. */
function synthetic(seed: number, gaps = false): Series {
  const r = seededRandom(seed);
  const values = Float64Array.from({ length: 30 * DAY_STEPS }, (_, t) => {
    const noise = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
    return 100 + 0.05 * t + 40 * Math.sin((2 * Math.PI * t) / DAY_STEPS) + 3 * noise;
  });
  if (gaps) for (let t = 400; t < 410; t++) values[t] = NaN;
  return { startSeconds: 0, stepSeconds: STEP, values };
}

function mae(s: Series, pred: Float64Array, from: number, to: number, horizon: number): number {
  let sum = 0;
  let n = 0;
  for (let o = from; o < to; o++) {
    for (let h = 1; h <= horizon && o + h < s.values.length; h++) {
      const a = s.values[o + h]!;
      if (Number.isFinite(a)) { sum += Math.abs(a - pred[(o - from) * horizon + h - 1]!); n++; }
    }
  }
  return sum / n;
}

describe('Holt-Winters', () => {
  it('recovers a daily seasonality: 12-step forecasts track the cycle, far better than persistence', () => {
    const s = synthetic(1, true);
    const params = fitHoltWinters(s, 14 * DAY_STEPS, 21 * DAY_STEPS, 12);
    expect(params.gamma).toBeGreaterThan(0);
    const model = holtWintersModel({ params });
    const from = 21 * DAY_STEPS;
    const to = 29 * DAY_STEPS;
    const hw = mae(s, model.predictRange(s, from, to, 12), from, to, 12);
    const persistence = mae(s, lastValueModel().predictRange(s, from, to, 12), from, to, 12);
    expect(hw).toBeLessThan(4); // the noise alone is ~2.4 mean absolute
    expect(hw / persistence).toBeLessThan(0.2);
    // Made at the trough (hour 18), the path climbs ~80 to the peak 12 hours later (hour 6).
    const trough = 27 * DAY_STEPS + 18;
    const path = model.predictRange(s, trough, trough + 1, 12);
    expect(path[11]! - path[0]!).toBeGreaterThan(70);
    expect(Math.abs(path[11]! - (100 + 0.05 * (trough + 12) + 40))).toBeLessThan(6);
  });

  it('gives p90 intervals that cover about 90 % of fresh points', () => {
    const s = synthetic(2);
    const f = quantileForecaster(holtWintersModel({ params: fitHoltWinters(s, 7 * DAY_STEPS, 14 * DAY_STEPS, 6) }));
    let covered = 0;
    let n = 0;
    for (let o = 21 * DAY_STEPS; o < 29 * DAY_STEPS; o += 5) {
      const q = f.forecast(s, o, 6);
      q.forEach((x, i) => {
        expect(x.p90).toBeGreaterThanOrEqual(x.p50);
        expect(x.p99).toBeGreaterThanOrEqual(x.p90);
        if (s.values[o + i + 1]! <= x.p90) covered++;
        n++;
      });
    }
    expect(covered / n).toBeGreaterThan(0.84);
    expect(covered / n).toBeLessThan(0.96);
  });

  it('is deterministic and rejects weights outside [0, 1]', () => {
    const s = synthetic(3);
    expect(fitHoltWinters(s, 100, 300, 6)).toEqual(fitHoltWinters(s, 100, 300, 6));
    expect(() => holtWintersModel({ params: { alpha: 1.5, beta: 0, gamma: 0, phi: 0.9 } })).toThrow(/alpha/);
    expect(() => holtWintersModel({ params: { alpha: 0.5, beta: 0, gamma: NaN, phi: 0.9 } })).toThrow(/gamma/);
  });
});
