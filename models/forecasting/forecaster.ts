/** Predicted value at one horizon, as quantiles of its distribution. */
export interface QuantileForecast {
  p50: number;
  p90: number;
  p99: number;
}

/** A series on a regular grid; NaN marks a missing step. */
export interface Series {
  /** Event time of values[0], epoch seconds. */
  startSeconds: number;
  stepSeconds: number;
  values: Float64Array;
}

/**
 * Every forecaster, baseline or learned, answers the same question: given the series up to
 * (and including) index `origin`, what are steps origin+1 .. origin+horizon? Element h-1 of the
 * result is h steps ahead. Pure: no clock, no randomness beyond a seed fixed at construction.
 */
export interface Forecaster {
  readonly name: string;
  forecast(series: Series, origin: number, horizon: number): QuantileForecast[];
}
