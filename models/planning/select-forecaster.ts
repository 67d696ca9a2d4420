import { baselineModels, fittedHoltWinters } from '../forecasting/candidates';
import { chooseModel } from '../forecasting/evaluation';
import type { Forecaster, Series } from '../forecasting/forecaster';
import { quantileForecaster } from '../forecasting/quantile-forecaster';

export interface ForecasterChoice {
  forecaster: Forecaster;
  /** Validation MAE (cores) per candidate at the planner's horizons. */
  validationMae: Record<string, number>;
}

const DAY = 86_400;

/**
 * Picks the cluster forecaster the planner uses: every baseline and a fitted Holt-Winters are
 * scored on the last `validationSeconds` of the training series at horizons 1..horizon, and the
 * forecasting module's rule (lowest MAE, else persistence) chooses. Training data only.
 */
export function selectForecaster(history: Series, horizon: number, validationSeconds = 7 * DAY): ForecasterChoice {
  const n = history.values.length;
  const validationSteps = Math.min(Math.round(validationSeconds / history.stepSeconds), Math.floor(n / 3));
  const validationFrom = n - validationSteps;
  if (validationSteps < horizon + 1) throw new RangeError(`training series of ${n} steps is too short to choose a forecaster`);
  const fitFrom = Math.max(0, validationFrom - Math.round((14 * DAY) / history.stepSeconds));
  const models = [...baselineModels(), fittedHoltWinters(history, fitFrom, validationFrom, horizon)];
  const validationMae: Record<string, number> = {};
  for (const m of models) {
    const pred = m.predictRange(history, validationFrom, n - 1, horizon);
    let sum = 0;
    let count = 0;
    for (let o = validationFrom; o < n - 1; o++) {
      for (let h = 1; h <= horizon && o + h < n; h++) {
        const a = history.values[o + h]!;
        const f = pred[(o - validationFrom) * horizon + h - 1]!;
        if (Number.isFinite(a) && Number.isFinite(f)) { sum += Math.abs(a - f); count++; }
      }
    }
    validationMae[m.name] = count > 0 ? sum / count : NaN;
  }
  const chosen = models.find((m) => m.name === chooseModel(validationMae))!;
  return { forecaster: quantileForecaster(chosen), validationMae };
}
