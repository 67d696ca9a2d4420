import { lastValueModel, seasonalNaiveModel, windowModel } from '../../../models/forecasting/baselines';
import type { Series } from '../../../models/forecasting/forecaster';
import { selectingForecaster } from '../../../models/forecasting/selecting-forecaster';

const series = (values: number[], stepSeconds = 300): Series => ({ startSeconds: 0, stepSeconds, values: Float64Array.from(values) });

describe('baseline models', () => {
  it('persistence repeats the last observed value across gaps', () => {
    const pred = lastValueModel().predictRange(series([1, 2, NaN, NaN, 5]), 1, 4, 2);
    expect(Array.from(pred)).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('gives NaN only before the first observation', () => {
    const pred = lastValueModel().predictRange(series([NaN, 3]), 0, 2, 1);
    expect(Number.isNaN(pred[0]!)).toBe(true);
    expect(pred[1]).toBe(3);
  });

  it('moving mean and median use the observed values of the window', () => {
    const s = series([1, 100, 3, NaN, 5]);
    expect(windowModel('median', 3).predictRange(s, 2, 3, 1)[0]).toBe(3);
    expect(windowModel('mean', 3).predictRange(s, 4, 5, 1)[0]).toBe(4); // 3 and 5; the gap is skipped
  });

  it('seasonal naive repeats the previous season for every horizon', () => {
    const day = [0, 10, 20, 30];
    const s = series([...day, ...day, ...day], 21_600); // 4 steps a day
    const pred = seasonalNaiveModel('daily', 86_400).predictRange(s, 7, 8, 6);
    expect(Array.from(pred)).toEqual([0, 10, 20, 30, 0, 10]);
  });

  it('rejects a bad horizon or origin range', () => {
    const s = series([1, 2, 3]);
    expect(() => lastValueModel().predictRange(s, 0, 2, 0)).toThrow(RangeError);
    expect(() => lastValueModel().predictRange(s, 2, 5, 1)).toThrow(RangeError);
    expect(() => windowModel('mean', 0)).toThrow(RangeError);
    expect(() => seasonalNaiveModel('x', 60).predictRange(s, 0, 1, 1)).toThrow(/shorter than the step/);
  });
});

describe('selectingForecaster', () => {
  it('picks the seasonal model on a seasonal series and persistence on a random walk', () => {
    const models = [lastValueModel(), seasonalNaiveModel('seasonal_naive_daily', 86_400)];
    const f = selectingForecaster(models, { windowSeconds: 3 * 86_400 });
    const seasonal = series(Array.from({ length: 24 * 10 }, (_, t) => 50 + 40 * Math.sin((2 * Math.PI * t) / 24)), 3_600);
    const q = f.forecast(seasonal, 24 * 9, 6);
    expect(f.lastChoice()).toBe('seasonal_naive_daily');
    expect(q).toHaveLength(6);
    expect(q[5]!.p50).toBeCloseTo(seasonal.values[24 * 9 + 6 - 24]!, 9);
    let x = 100;
    let seed = 1;
    const walk = series(Array.from({ length: 24 * 10 }, () => { seed = (seed * 16807) % 2147483647; x += (seed / 2147483647 - 0.5) * 10; return x; }), 3_600);
    f.forecast(walk, 24 * 9, 6);
    expect(f.lastChoice()).toBe('last_value');
    expect(() => selectingForecaster([windowModel('mean', 3)])).toThrow(/last_value/);
  });
});
