import type { Forecaster, QuantileForecast, Series } from './forecaster';
import { PERSISTENCE } from './evaluation';
import type { PointModel } from './point-model';
import { residualQuantiles, toQuantiles } from './residual-quantiles';

export interface SelectingForecasterOptions {
  /** Trailing window on which models are compared and calibrated; default 7 days. */
  windowSeconds?: number;
}

/**
 * Per-series model selection behind the Forecaster contract, for live use: at each call every
 * model forecasts the trailing window's origins, the one with the lowest MAE on targets already
 * observed wins if it beats persistence there (else persistence), and its own residuals over the
 * same window give p90/p99. `models` must include persistence (`last_value`).
 */
export function selectingForecaster(models: PointModel[], { windowSeconds = 7 * 86_400 }: SelectingForecasterOptions = {}): Forecaster & { lastChoice(): string | undefined } {
  if (!models.some((m) => m.name === PERSISTENCE)) throw new RangeError(`selection needs the ${PERSISTENCE} model among its models`);
  if (!(windowSeconds > 0)) throw new RangeError(`windowSeconds must be positive, got ${windowSeconds}`);
  let choice: string | undefined;
  return {
    name: 'selected',
    lastChoice: () => choice,
    forecast(series: Series, origin: number, horizon: number): QuantileForecast[] {
      const from = Math.max(0, origin - Math.round(windowSeconds / series.stepSeconds) - horizon);
      const runs = models.map((m) => ({ m, pred: m.predictRange(series, from, origin + 1, horizon) }));
      const mae = runs.map(({ pred }) => trailingMae(series, pred, from, origin, horizon));
      const persistence = mae[runs.findIndex((r) => r.m.name === PERSISTENCE)]!;
      let best = runs.findIndex((r) => r.m.name === PERSISTENCE);
      mae.forEach((e, i) => { if (e < persistence && e < mae[best]!) best = i; });
      const { m, pred } = runs[best]!;
      choice = m.name;
      const rq = residualQuantiles(series, pred, from, from, origin, horizon, origin);
      const base = (origin - from) * horizon;
      return Array.from({ length: horizon }, (_, i) => toQuantiles(pred[base + i]!, rq, i + 1));
    },
  };
}

function trailingMae(series: Series, pred: Float64Array, from: number, origin: number, horizon: number): number {
  let sum = 0;
  let n = 0;
  for (let o = from; o < origin; o++) {
    for (let h = 1; h <= horizon && o + h <= origin; h++) {
      const a = series.values[o + h]!;
      const f = pred[(o - from) * horizon + h - 1]!;
      if (Number.isFinite(a) && Number.isFinite(f)) { sum += Math.abs(a - f); n++; }
    }
  }
  return n === 0 ? Infinity : sum / n;
}
