import type { Series } from './forecaster';
import { checkRange, type PointModel } from './point-model';

/** Smoothing weights of additive Holt-Winters with a damped trend (Gardner & McKenzie). */
export interface HoltWintersParams {
  /** Level smoothing, 0..1. */
  alpha: number;
  /** Trend smoothing, 0..1. */
  beta: number;
  /** Seasonal smoothing, 0..1. */
  gamma: number;
  /** Trend damping, 0..1: the trend's contribution fades as phi^h. */
  phi: number;
}

export interface HoltWintersOptions {
  /** Season length; default one day. */
  periodSeconds?: number;
  params: HoltWintersParams;
}

export const HOLT_WINTERS = 'holt_winters';

/**
 * Damped-trend additive Holt-Winters. One filter pass over the series gives the state at every
 * origin; a missing value advances the state by its own forecast instead of updating it, so gaps
 * neither stall nor corrupt the seasonal profile.
 */
export function holtWintersModel({ periodSeconds = 86_400, params }: HoltWintersOptions): PointModel {
  checkParams(params);
  return {
    name: HOLT_WINTERS,
    predictRange(series, from, to, horizon) {
      checkRange(series, from, to, horizon);
      return runFilter(series, Math.round(periodSeconds / series.stepSeconds), params, from, to, horizon);
    },
  };
}

function checkParams(p: HoltWintersParams): void {
  for (const [k, v] of Object.entries(p)) {
    if (!(v >= 0 && v <= 1)) throw new RangeError(`Holt-Winters ${k} must be in [0, 1], got ${v}`);
  }
}

function runFilter(series: Series, period: number, p: HoltWintersParams, from: number, to: number, horizon: number): Float64Array {
  const y = series.values;
  const out = new Float64Array((to - from) * horizon).fill(NaN);
  const season = new Float64Array(period);
  const start = initialise(y, period, season);
  if (!start) return out;
  let level = start.level;
  let trend = 0;
  const damp = new Float64Array(horizon + 1); // damp[h] = phi + phi^2 + ... + phi^h
  for (let h = 1, pow = 1; h <= horizon; h++) { pow *= p.phi; damp[h] = damp[h - 1]! + pow; }
  for (let t = start.from; t < to; t++) {
    const s = season[t % period]!;
    const v = y[t]!;
    if (Number.isFinite(v)) {
      const prevLevel = level;
      level = p.alpha * (v - s) + (1 - p.alpha) * (level + p.phi * trend);
      trend = p.beta * (level - prevLevel) + (1 - p.beta) * p.phi * trend;
      season[t % period] = p.gamma * (v - level) + (1 - p.gamma) * s;
    } else {
      level += p.phi * trend;
      trend *= p.phi;
    }
    if (t >= from) {
      const base = (t - from) * horizon;
      for (let h = 1; h <= horizon; h++) out[base + h - 1] = level + damp[h]! * trend + season[(t + h) % period]!;
    }
  }
  return out;
}

/**
 * Level = mean of the first season with data; seasonal indices = that season's deviations from
 * it (0 where missing). Returns the index the filter starts at, or undefined for a series with no data.
 */
function initialise(y: Float64Array, period: number, season: Float64Array): { from: number; level: number } | undefined {
  let first = 0;
  while (first < y.length && !Number.isFinite(y[first]!)) first++;
  if (first === y.length) return undefined;
  const end = Math.min(y.length, first + period);
  let sum = 0;
  let n = 0;
  for (let t = first; t < end; t++) if (Number.isFinite(y[t]!)) { sum += y[t]!; n++; }
  const level = sum / n;
  // With less than a season of data the deviations would be one noisy day: start flat instead.
  if (end - first === period) for (let t = first; t < end; t++) season[t % period] = Number.isFinite(y[t]!) ? y[t]! - level : 0;
  return { from: first, level };
}

const GRID: Record<keyof HoltWintersParams, number[]> = {
  alpha: [0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9],
  beta: [0, 0.01, 0.03, 0.1, 0.3],
  gamma: [0, 0.02, 0.05, 0.1, 0.2, 0.4],
  phi: [0.5, 0.8, 0.9, 0.95, 0.98],
};

/**
 * Chooses the weights by coordinate descent over a small grid, minimising the mean absolute
 * error of 1..horizon-step forecasts made at origins [fitFrom, fitTo): the same loss the model is
 * judged by, instead of the usual one-step squared error that over-reacts to spikes.
 */
export function fitHoltWinters(series: Series, fitFrom: number, fitTo: number, horizon: number, periodSeconds = 86_400): HoltWintersParams {
  const period = Math.round(periodSeconds / series.stepSeconds);
  const lossOf = (p: HoltWintersParams) => {
    const pred = runFilter(series, period, p, fitFrom, fitTo, horizon);
    let sum = 0;
    let n = 0;
    for (let o = fitFrom; o < fitTo; o++) {
      for (let h = 1; h <= horizon && o + h < fitTo; h++) {
        const a = series.values[o + h]!;
        const f = pred[(o - fitFrom) * horizon + h - 1]!;
        if (Number.isFinite(a) && Number.isFinite(f)) { sum += Math.abs(a - f); n++; }
      }
    }
    return n === 0 ? Infinity : sum / n;
  };
  let best: HoltWintersParams = { alpha: 0.35, beta: 0.01, gamma: 0.05, phi: 0.9 };
  let bestLoss = lossOf(best);
  for (let pass = 0; pass < 2; pass++) {
    for (const key of Object.keys(GRID) as (keyof HoltWintersParams)[]) {
      for (const value of GRID[key]) {
        if (value === best[key]) continue;
        const candidate = { ...best, [key]: value };
        const loss = lossOf(candidate);
        if (loss < bestLoss) { best = candidate; bestLoss = loss; }
      }
    }
  }
  return best;
}
