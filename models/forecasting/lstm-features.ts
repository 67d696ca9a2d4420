import type { Series } from './forecaster';

/**
 * Inputs per step: the last observed value / scale, a missing flag, and calendar phase as
 * sin/cos of hour-of-day and of hour-of-week (UTC), so one global model can learn daily and
 * weekly shapes of series of any size.
 */
export const FEATURES = 6;

const DAY = 86_400;
const WEEK = 7 * DAY;

/**
 * Typical magnitude of a series before `end` (mean |value| over the preceding 14 days, else all
 * history, else 1): inputs and targets are divided by it so a 50 MHz VM and a 10 GHz cluster
 * share one model. Uses only the past of `end`, so inference computes it exactly as training did.
 */
export function seriesScale(values: Float64Array, end: number, stepSeconds: number): number {
  const recent = Math.max(0, end - Math.round((14 * DAY) / stepSeconds));
  for (const from of [recent, 0]) {
    let sum = 0;
    let n = 0;
    for (let i = from; i < end; i++) if (Number.isFinite(values[i]!)) { sum += Math.abs(values[i]!); n++; }
    if (n > 0 && sum > 0) return sum / n;
  }
  return 1;
}

/**
 * Writes features for steps [t0, t0 + length) into `out` at `offset` (row-major [step][feature]);
 * steps before 0 or beyond the series are missing. `last` is lastFiniteIndex(values).
 */
export function writeFeatures(series: Series, last: Int32Array, scale: number, t0: number, length: number, out: Float32Array, offset: number): void {
  const { values, startSeconds, stepSeconds } = series;
  for (let k = 0; k < length; k++) {
    const t = t0 + k;
    const o = offset + k * FEATURES;
    const j = t < 0 ? -1 : last[Math.min(t, values.length - 1)]!;
    out[o] = j < 0 ? 0 : values[j]! / scale;
    out[o + 1] = t >= 0 && t < values.length && Number.isFinite(values[t]!) ? 0 : 1;
    const seconds = startSeconds + t * stepSeconds;
    const dayPhase = (2 * Math.PI * (((seconds % DAY) + DAY) % DAY)) / DAY;
    // Epoch day 0 was a Thursday; shift so the week phase starts on Monday 00:00 UTC.
    const weekPhase = (2 * Math.PI * ((((seconds + 3 * DAY) % WEEK) + WEEK) % WEEK)) / WEEK;
    out[o + 2] = Math.sin(dayPhase);
    out[o + 3] = Math.cos(dayPhase);
    out[o + 4] = Math.sin(weekPhase);
    out[o + 5] = Math.cos(weekPhase);
  }
}
