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

/** Holt-Winters with weights fitted on origins [fitFrom, fitTo) of this series. */
export function fittedHoltWinters(series: Series, fitFrom: number, fitTo: number, horizon: number): PointModel {
  return holtWintersModel({ periodSeconds: DAY_SECONDS, params: fitHoltWinters(series, fitFrom, fitTo, horizon, DAY_SECONDS) });
}
