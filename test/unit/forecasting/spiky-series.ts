import type { Series } from '../../../models/forecasting/forecaster';
import { seededRandom } from '../../../models/seeded-random';

export const DAY_STEPS = 288;

/**
 * A VM-like 5-minute series: a base load that drifts slowly, plus short spikes that die out
 * within minutes (what Bitbrains VM CPU looks like), seeded.
 */
export function spikySeries(seed: number, days = 12): Series {
  const random = seededRandom(seed);
  let base = 500;
  let spike = 0;
  const values = Float64Array.from({ length: days * DAY_STEPS }, () => {
    base = Math.max(100, base + (random() - 0.5) * 4);
    spike = random() < 0.08 ? 300 + 700 * random() : spike * 0.3;
    return base + spike + 20 * (random() - 0.5);
  });
  return { startSeconds: 1_372_636_800, stepSeconds: 300, values };
}

/** MAE of 1..horizon-step forecasts made at origins [from, to). */
export function meanAbsoluteError(pred: Float64Array, s: Series, from: number, to: number, horizon: number): number {
  let sum = 0;
  let n = 0;
  for (let o = from; o < to; o++) {
    for (let h = 1; h <= horizon && o + h < s.values.length; h++) { sum += Math.abs(s.values[o + h]! - pred[(o - from) * horizon + h - 1]!); n++; }
  }
  return sum / n;
}
