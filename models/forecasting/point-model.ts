import type { Series } from './forecaster';

/**
 * A model's median path for many origins at once. Rolling evaluation, calibration and selection
 * ask for thousands of consecutive origins; stateful models (Holt-Winters, LSTM) answer that in
 * one pass instead of re-filtering the history per origin.
 *
 * Result layout: `out[(o - from) * horizon + (h - 1)]` is the forecast made at origin `o` (using
 * values[0..o]) for index o + h. Every entry is finite whenever the series has a finite value at
 * or before the origin; NaN only when there is nothing to go on yet.
 */
export interface PointModel {
  readonly name: string;
  predictRange(series: Series, from: number, to: number, horizon: number): Float64Array;
}

/** idx[i] = the last index <= i with a finite value, or -1: how every model bridges gaps. */
export function lastFiniteIndex(values: Float64Array): Int32Array {
  const idx = new Int32Array(values.length);
  let last = -1;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i]!)) last = i;
    idx[i] = last;
  }
  return idx;
}

export function checkRange(series: Series, from: number, to: number, horizon: number): void {
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to < from || to > series.values.length) {
    throw new RangeError(`origins [${from}, ${to}) outside a series of ${series.values.length} steps`);
  }
}
