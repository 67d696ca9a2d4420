import type { Series } from './forecaster';
import { lastFiniteIndex } from './point-model';

/**
 * Inputs per step: the last observed value / scale, a missing flag, calendar phase as sin/cos
 * of hour-of-day and of hour-of-week (UTC), so one global model can learn daily and weekly
 * shapes of series of any size, and the distance of the last value from the median of the last
 * 1 and 4 hours / scale. The medians are what a VM's spiky CPU reverts to (moving medians alone
 * beat persistence by about 20% on Bitbrains VMs); given them the network learns when to revert
 * and when a move is a level shift, instead of having to rediscover a median in its cells.
 */
export const FEATURES = 8;

/** Windows of the rolling medians among the inputs, in steps. */
const MEDIAN_WINDOWS = [12, 48] as const;

/** Per-series arrays the inputs are read from, computed once per series. */
export interface FeatureSource {
  /** lastFiniteIndex(values). */
  last: Int32Array;
  /** Rolling medians of the gap-bridged series, one array per MEDIAN_WINDOWS entry; NaN before the first value. */
  medians: Float64Array[];
}

export function featureSource(values: Float64Array): FeatureSource {
  const last = lastFiniteIndex(values);
  const carried = Float64Array.from(last, (j) => (j < 0 ? NaN : values[j]!));
  return { last, medians: MEDIAN_WINDOWS.map((w) => rollingMedian(carried, w)) };
}

/**
 * Median of the last `window` values at every index (fewer at the start), keeping the window
 * sorted: O(window) per step instead of a sort, so all 500 VMs of a month take about a second.
 * NaN entries (only before the first observation) are skipped.
 */
export function rollingMedian(values: Float64Array, window: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  const sorted: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) sorted.splice(lowerBound(sorted, v), 0, v);
    const old = i >= window ? values[i - window]! : NaN;
    if (Number.isFinite(old)) sorted.splice(lowerBound(sorted, old), 1);
    const n = sorted.length;
    if (n > 0) out[i] = n % 2 ? sorted[n >> 1]! : (sorted[(n >> 1) - 1]! + sorted[n >> 1]!) / 2;
  }
  return out;
}

function lowerBound(sorted: number[], v: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < v) lo = mid + 1; else hi = mid;
  }
  return lo;
}

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
 * steps before 0 or beyond the series are missing. `source` is featureSource(values).
 */
export function writeFeatures(series: Series, source: FeatureSource, scale: number, t0: number, length: number, out: Float32Array, offset: number): void {
  const { values, startSeconds, stepSeconds } = series;
  const { last, medians } = source;
  for (let k = 0; k < length; k++) {
    const t = t0 + k;
    const o = offset + k * FEATURES;
    const j = t < 0 ? -1 : last[Math.min(t, values.length - 1)]!;
    const i = Math.min(t, values.length - 1);
    out[o] = j < 0 ? 0 : values[j]! / scale;
    out[o + 6] = j < 0 ? 0 : (values[j]! - medians[0]![i]!) / scale;
    out[o + 7] = j < 0 ? 0 : (values[j]! - medians[1]![i]!) / scale;
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
