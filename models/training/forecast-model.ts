import { baselineModels } from '../forecasting/candidates';
import type { Forecaster, Series } from '../forecasting/forecaster';
import { fitHoltWinters, holtWintersModel, type HoltWintersParams } from '../forecasting/holt-winters';
import type { PointModel } from '../forecasting/point-model';
import { selectingForecaster } from '../forecasting/selecting-forecaster';
import { isRecord } from './artifact';
import { pinballLoss, sizingRefusal } from './compare';

/** The name the cluster-load forecaster goes by on prm.model-updates, in prm.model_versions and in forecasts. */
export const FORECAST_MODEL_NAME = 'cluster-forecaster';

/** The version in use before any retraining: the baselines alone, nothing fitted. */
export const BASELINE_FORECAST_VERSION = 'baselines-1';

/**
 * A cluster-forecaster version as stored in prm.model_artifacts: Holt-Winters weights fitted per
 * pool on the trainer's window (pools differ in how fast their load moves), added to the
 * baselines the forecaster always selects among. A pool the window did not hold keeps the
 * baselines alone. The weights belong to one grid: a forecaster on another step ignores them.
 */
export interface ForecastModelArtifact {
  format: 'prm-cluster-forecaster/1';
  stepSeconds: number;
  /** Season of the Holt-Winters models (less data than one season: they run as damped-trend Holt). */
  periodSeconds: number;
  pools: Record<string, HoltWintersParams>;
}

/** The grid a forecaster runs on: the processor and the trainer must agree on it. */
export interface ForecastGrid {
  stepMs: number;
  /** How far ahead it forecasts: at least the instance boot time plus a planning interval. */
  horizonMs: number;
  /** Trailing window on which the selecting forecaster compares and calibrates its models. */
  windowMs: number;
}

/** The forecaster's grid unless configured: 5 minutes (the Bitbrains grid), 30 minutes ahead, selection over 2 days. */
export const defaultForecastGrid: ForecastGrid = { stepMs: 5 * 60_000, horizonMs: 30 * 60_000, windowMs: 2 * 86_400_000 };

/** One pool's load history on the forecaster's grid, as the trainer reads it. */
export interface PoolSeries {
  pool: string;
  series: Series;
}

export interface ForecastTrainingOptions {
  /** Forecast steps ahead scored (the forecaster's horizon in steps). */
  horizon: number;
  /** Share of each series' steps held out at its end to compare versions on. */
  heldOutFraction: number;
  /** Fewest steps a pool's series needs before it is fitted and scored. */
  minSteps: number;
  /** Fewest forecast points scored for both versions before a candidate may replace the current one. */
  minComparedPoints: number;
  /** Relative MAE improvement required (0: any strict improvement). */
  minImprovement: number;
  /** How much worse, relatively, the p90 forecast's loss may get (see sizingRefusal); default SIZING_LOSS_TOLERANCE. */
  sizingLossTolerance?: number;
  /** The selecting forecaster's trailing window (the processor's `windowMs`), seconds. */
  selectionWindowSeconds: number;
  periodSeconds: number;
}

/** Training options for a forecaster on `grid`. */
export function forecastTrainingOptions(grid: ForecastGrid, overrides: Partial<ForecastTrainingOptions> = {}): ForecastTrainingOptions {
  return { ...defaultForecastTrainingOptions, horizon: Math.ceil(grid.horizonMs / grid.stepMs), selectionWindowSeconds: grid.windowMs / 1000, ...overrides };
}

const defaultForecastTrainingOptions: Omit<ForecastTrainingOptions, 'horizon' | 'selectionWindowSeconds'> = {
  heldOutFraction: 0.25,
  minSteps: 36,
  minComparedPoints: 60,
  minImprovement: 0.02,
  periodSeconds: 86_400,
};

/** Held-out score of one forecaster version over every pool: its p50 error, its p90's loss and coverage. */
export interface ForecastMetrics {
  points: number;
  mae_p50: number;
  /** Mean pinball loss of the p90 forecast, the quantile the planner scales out ahead of by default. */
  pinball_p90: number;
  coverage_p90: number;
}

/** The point models a version selects among for one pool: the baselines, and the pool's fitted model if it has one. */
export function forecastModelsFor(artifact: ForecastModelArtifact | undefined, pool: string): PointModel[] {
  const params = artifact?.pools[pool];
  return params ? [...baselineModels(), holtWintersModel({ periodSeconds: artifact.periodSeconds, params })] : baselineModels();
}

/**
 * Scores a version on the held-out tail of each series: at every origin from the start of the
 * tail, the version's selecting forecaster (same selection window as the processor) forecasts
 * 1..horizon steps, and each forecast whose target is observed counts. Both versions in a
 * comparison see exactly the same origins and targets.
 */
export function scoreForecastVersion(artifact: ForecastModelArtifact | undefined, data: readonly PoolSeries[], o: ForecastTrainingOptions): ForecastMetrics {
  let points = 0;
  let absError = 0;
  let covered = 0;
  let p90Loss = 0;
  for (const { pool, series } of data) {
    const n = series.values.length;
    if (n < o.minSteps) continue;
    const forecaster: Forecaster = selectingForecaster(forecastModelsFor(artifact, pool), { windowSeconds: o.selectionWindowSeconds });
    for (let origin = heldOutStart(n, o); origin < n - 1; origin++) {
      const forecast = forecaster.forecast(series, origin, o.horizon);
      for (let h = 1; h <= o.horizon && origin + h < n; h++) {
        const actual = series.values[origin + h]!;
        const q = forecast[h - 1]!;
        if (!Number.isFinite(actual) || !Number.isFinite(q.p50)) continue;
        points++;
        absError += Math.abs(actual - q.p50);
        if (actual <= q.p90) covered++;
        p90Loss += pinballLoss(0.9, actual - q.p90);
      }
    }
  }
  return {
    points,
    mae_p50: points > 0 ? absError / points : Infinity,
    pinball_p90: points > 0 ? p90Loss / points : Infinity,
    coverage_p90: points > 0 ? covered / points : 0,
  };
}

/**
 * A candidate version from the window: Holt-Winters weights per pool, fitted on the origins
 * before the held-out tail with the loss the forecaster is judged by (mean absolute error over
 * the horizon), so the tail stays unseen for the comparison.
 */
export function fitForecastCandidate(data: readonly PoolSeries[], stepSeconds: number, o: ForecastTrainingOptions): ForecastModelArtifact {
  const pools: Record<string, HoltWintersParams> = {};
  for (const { pool, series } of data) {
    if (series.stepSeconds !== stepSeconds) throw new RangeError(`pool ${pool}: series on a ${series.stepSeconds} s grid, expected ${stepSeconds} s`);
    const n = series.values.length;
    if (n < o.minSteps) continue;
    pools[pool] = fitHoltWinters(series, 0, heldOutStart(n, o), o.horizon, o.periodSeconds);
  }
  return { format: 'prm-cluster-forecaster/1', stepSeconds, periodSeconds: o.periodSeconds, pools };
}

export interface ForecastPromotion {
  promoted: boolean;
  reason: string;
}

/**
 * A candidate replaces the current version only when its p50 error is lower on the same held-out
 * points, and its p90 is not worse (sizingRefusal): the planner scales out ahead of the p90.
 */
export function decideForecastPromotion(
  candidate: ForecastMetrics, current: ForecastMetrics, o: Pick<ForecastTrainingOptions, 'minComparedPoints' | 'minImprovement' | 'sizingLossTolerance'>,
): ForecastPromotion {
  if (candidate.points !== current.points) throw new RangeError(`versions scored on different points (${candidate.points} and ${current.points})`);
  if (current.points < o.minComparedPoints) {
    return { promoted: false, reason: `${current.points} held-out forecast points, fewer than ${o.minComparedPoints}` };
  }
  const verdict = `mae_p50 ${candidate.mae_p50.toFixed(4)} vs current ${current.mae_p50.toFixed(4)}`;
  if (!(candidate.mae_p50 < current.mae_p50 * (1 - o.minImprovement))) return { promoted: false, reason: `not better: ${verdict}` };
  const refusal = sizingRefusal('pinball_p90', candidate.pinball_p90, current.pinball_p90, o.sizingLossTolerance);
  return refusal ? { promoted: false, reason: `better on average but worse at the p90 capacity is sized from: ${verdict}; ${refusal}` } : { promoted: true, reason: `better: ${verdict}` };
}

/** Parses a stored artifact (text or decoded JSON); anything else is refused with the reason. */
export function parseForecastArtifact(body: unknown): ForecastModelArtifact {
  const value: unknown = typeof body === 'string' ? JSON.parse(body) : body;
  if (!isRecord(value) || value.format !== 'prm-cluster-forecaster/1') throw new TypeError('not a prm-cluster-forecaster/1 artifact');
  if (!(typeof value.stepSeconds === 'number' && value.stepSeconds > 0)) throw new TypeError('forecaster artifact without a positive stepSeconds');
  if (!(typeof value.periodSeconds === 'number' && value.periodSeconds > 0)) throw new TypeError('forecaster artifact without a positive periodSeconds');
  if (!isRecord(value.pools)) throw new TypeError('forecaster artifact without per-pool weights');
  for (const [pool, params] of Object.entries(value.pools)) {
    const p = params as Record<string, unknown>;
    for (const key of ['alpha', 'beta', 'gamma', 'phi']) {
      if (!isRecord(params) || !(typeof p[key] === 'number' && p[key] >= 0 && p[key] <= 1)) throw new TypeError(`pool ${pool}: Holt-Winters ${key} missing or outside [0, 1]`);
    }
  }
  return value as unknown as ForecastModelArtifact;
}

function heldOutStart(n: number, o: Pick<ForecastTrainingOptions, 'heldOutFraction'>): number {
  return Math.max(1, Math.floor(n * (1 - o.heldOutFraction)));
}
