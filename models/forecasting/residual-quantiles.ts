import type { QuantileForecast, Series } from './forecaster';

/** Per-horizon quantiles of (actual - median forecast): the spread a model's errors really had. */
export interface ResidualQuantiles {
  q90: Float64Array;
  q99: Float64Array;
  /** Residuals behind each horizon's quantiles; 0 means no spread is known. */
  counts: Uint32Array;
}

/**
 * Empirical residual quantiles from predictions `pred` made at origins [predFrom, ..) (layout of
 * PointModel.predictRange), using origins [from, to) and only targets at or before `observedUntil`
 * so a calibration never peeks past the moment it is used. Model-agnostic, which is why every
 * model (baseline or learned) gets its p90/p99 this way.
 */
export function residualQuantiles(
  series: Series, pred: Float64Array, predFrom: number, from: number, to: number, horizon: number, observedUntil: number,
): ResidualQuantiles {
  const q90 = new Float64Array(horizon);
  const q99 = new Float64Array(horizon);
  const counts = new Uint32Array(horizon);
  const buf = new Float64Array(Math.max(0, to - from));
  for (let h = 1; h <= horizon; h++) {
    let n = 0;
    for (let o = Math.max(from, predFrom); o < to && o + h <= observedUntil; o++) {
      const a = series.values[o + h]!;
      const f = pred[(o - predFrom) * horizon + h - 1]!;
      if (Number.isFinite(a) && Number.isFinite(f)) buf[n++] = a - f;
    }
    counts[h - 1] = n;
    if (n === 0) continue;
    const sorted = buf.subarray(0, n).sort();
    q90[h - 1] = quantileOfSorted(sorted, 0.9);
    q99[h - 1] = quantileOfSorted(sorted, 0.99);
  }
  return { q90, q99, counts };
}

/** Linear interpolation between order statistics (type 7, the R and NumPy default). */
export function quantileOfSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * The median forecast stays the model's own (so `skill` compares models, not corrections); the
 * upper quantiles add the residual quantiles, never below the median and p99 never below p90.
 */
export function toQuantiles(point: number, rq: ResidualQuantiles, h: number): QuantileForecast {
  const p90 = point + Math.max(0, rq.q90[h - 1]!);
  const p99 = Math.max(p90, point + rq.q99[h - 1]!);
  return { p50: point, p90, p99 };
}

export interface RollingCalibration {
  /** Residual window, in origins; default 7 days of 5-minute steps. */
  calibrationSteps: number;
  /** Recompute the quantiles this often, in origins; default one day of 5-minute steps. */
  recalibrateEvery: number;
}

/**
 * p90 and p99 paths for origins [from, to), recalibrated every `recalibrateEvery` origins from the
 * trailing `calibrationSteps` origins whose targets were already observed: what a live forecaster
 * recalibrating daily would have issued. `pred` must cover origins from `predFrom` to `to`.
 */
export function rollingUpperQuantiles(
  series: Series, pred: Float64Array, predFrom: number, from: number, to: number, horizon: number, cal: RollingCalibration,
): { p90: Float64Array; p99: Float64Array } {
  const p90 = new Float64Array((to - from) * horizon);
  const p99 = new Float64Array((to - from) * horizon);
  let rq: ResidualQuantiles | undefined;
  for (let o = from; o < to; o++) {
    if (!rq || (o - from) % cal.recalibrateEvery === 0) {
      rq = residualQuantiles(series, pred, predFrom, o - cal.calibrationSteps - horizon, o, horizon, o);
    }
    for (let h = 1; h <= horizon; h++) {
      const i = (o - from) * horizon + h - 1;
      const q = toQuantiles(pred[(o - predFrom) * horizon + h - 1]!, rq, h);
      p90[i] = q.p90;
      p99[i] = q.p99;
    }
  }
  return { p90, p99 };
}
