import type { Forecaster, QuantileForecast, Series } from './forecaster';
import type { PointModel } from './point-model';
import { residualQuantiles, toQuantiles } from './residual-quantiles';

export interface QuantileForecasterOptions {
  /** Trailing window whose residuals set p90/p99; default 7 days. */
  calibrationSeconds?: number;
}

/**
 * Makes any PointModel a Forecaster: the median is the model's path from `origin`, and p90/p99
 * come from the model's own residuals over the trailing window before `origin` (targets observed
 * by then only). With no history to calibrate on the upper quantiles equal the median.
 */
export function quantileForecaster(model: PointModel, { calibrationSeconds = 7 * 86_400 }: QuantileForecasterOptions = {}): Forecaster {
  if (!(calibrationSeconds > 0)) throw new RangeError(`calibrationSeconds must be positive, got ${calibrationSeconds}`);
  return {
    name: model.name,
    forecast(series: Series, origin: number, horizon: number): QuantileForecast[] {
      const calFrom = Math.max(0, origin - Math.round(calibrationSeconds / series.stepSeconds) - horizon);
      const pred = model.predictRange(series, calFrom, origin + 1, horizon);
      const rq = residualQuantiles(series, pred, calFrom, calFrom, origin, horizon, origin);
      const base = (origin - calFrom) * horizon;
      return Array.from({ length: horizon }, (_, i) => toQuantiles(pred[base + i]!, rq, i + 1));
    },
  };
}
