import { DAY_SECONDS, WEEK_SECONDS, lastValueModel, seasonalNaiveModel, windowModel } from './baselines';
import type { Series } from './forecaster';
import { fitHoltWinters, holtWintersModel } from './holt-winters';
import type { PointModel } from './point-model';
import { PERSISTENCE, SEASONAL_DAILY } from './evaluation';

/** The baselines every series is always scored against (and may always fall back to). */
export function baselineModels(): PointModel[] {
  const last = lastValueModel();
  if (last.name !== PERSISTENCE) throw new Error('persistence model name drifted');
  return [
    last,
    windowModel('mean', 3),
    windowModel('median', 3),
    windowModel('mean', 12),
    seasonalNaiveModel(SEASONAL_DAILY, DAY_SECONDS),
    seasonalNaiveModel('seasonal_naive_weekly', WEEK_SECONDS),
  ];
}

/**
 * Moving medians over 1, 2 and 4 hours of 5-minute steps (12, 24, 48 points). Per-VM CPU is
 * spiky and mean-reverting: a spike seen at the origin rarely lasts the next hour, so a median
 * of the recent past forecasts the next hour better than the last value does. Kept apart from
 * baselineModels, which the live pool forecaster also uses, because a smooth pool series is the
 * opposite case (there these lose to persistence and selection simply never picks them).
 */
export function robustModels(): PointModel[] {
  return [windowModel('median', 12), windowModel('median', 24), windowModel('median', 48)];
}

/** Holt-Winters with weights fitted on origins [fitFrom, fitTo) of this series. */
export function fittedHoltWinters(series: Series, fitFrom: number, fitTo: number, horizon: number): PointModel {
  return holtWintersModel({ periodSeconds: DAY_SECONDS, params: fitHoltWinters(series, fitFrom, fitTo, horizon, DAY_SECONDS) });
}
