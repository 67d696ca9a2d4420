import type { Series } from './forecaster';
import { checkRange, lastFiniteIndex, type PointModel } from './point-model';

/** Persistence: every horizon repeats the last observed value. The reference for `skill`. */
export function lastValueModel(): PointModel {
  return {
    name: 'last_value',
    predictRange(series, from, to, horizon) {
      checkRange(series, from, to, horizon);
      const last = lastFiniteIndex(series.values);
      const out = new Float64Array((to - from) * horizon);
      for (let o = from; o < to; o++) {
        const j = last[o]!;
        out.fill(j < 0 ? NaN : series.values[j]!, (o - from) * horizon, (o - from + 1) * horizon);
      }
      return out;
    },
  };
}

/** Flat forecast at a summary (mean or median) of the last `window` observed values. */
export function windowModel(kind: 'mean' | 'median', window: number): PointModel {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  return {
    name: kind === 'mean' ? `moving_average_${window}` : `moving_median_${window}`,
    predictRange(series, from, to, horizon) {
      checkRange(series, from, to, horizon);
      const out = new Float64Array((to - from) * horizon);
      const buf: number[] = [];
      for (let o = from; o < to; o++) {
        buf.length = 0;
        for (let i = o; i >= 0 && i > o - window; i--) {
          const v = series.values[i]!;
          if (Number.isFinite(v)) buf.push(v);
        }
        out.fill(buf.length === 0 ? lastObserved(series, o) : summarise(kind, buf), (o - from) * horizon, (o - from + 1) * horizon);
      }
      return out;
    },
  };
}

function summarise(kind: 'mean' | 'median', xs: number[]): number {
  if (kind === 'mean') return xs.reduce((a, b) => a + b, 0) / xs.length;
  xs.sort((a, b) => a - b);
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid]! : (xs[mid - 1]! + xs[mid]!) / 2;
}

function lastObserved(series: Series, o: number): number {
  for (let i = o; i >= 0; i--) if (Number.isFinite(series.values[i]!)) return series.values[i]!;
  return NaN;
}

/**
 * Seasonal naive: the value one season before the target. A missing lagged value is bridged by
 * the last observation before it, so a gap never turns into a missing forecast.
 */
export function seasonalNaiveModel(name: string, periodSeconds: number): PointModel {
  return {
    name,
    predictRange(series, from, to, horizon) {
      checkRange(series, from, to, horizon);
      const period = Math.round(periodSeconds / series.stepSeconds);
      if (period < 1) throw new RangeError(`season ${periodSeconds}s is shorter than the step`);
      const last = lastFiniteIndex(series.values);
      const out = new Float64Array((to - from) * horizon);
      for (let o = from; o < to; o++) {
        for (let h = 1; h <= horizon; h++) {
          let lag = o + h - period * Math.ceil(h / period);
          if (lag < 0) lag = o; // less than a season of history: fall back to persistence
          const j = last[lag]!;
          out[(o - from) * horizon + h - 1] = j < 0 ? NaN : series.values[j]!;
        }
      }
      return out;
    },
  };
}

export const DAY_SECONDS = 86_400;
export const WEEK_SECONDS = 7 * DAY_SECONDS;
