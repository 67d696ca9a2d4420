import type { Series } from './forecaster';
import { rollingUpperQuantiles, type RollingCalibration } from './residual-quantiles';

/** A model's median paths for origins [predFrom, testTo) of one series (PointModel layout). */
export interface Candidate {
  name: string;
  pred: Float64Array;
}

/**
 * Index windows of one series. Selection scores origins [validationFrom, testFrom) on targets
 * before testFrom; the test rolls origins testFrom-1 .. testTo-2 so every target is at or after
 * testFrom; calibration residuals reach back `calibrationSteps` origins from each recalibration.
 */
export interface EvaluationWindows {
  predFrom: number;
  validationFrom: number;
  testFrom: number;
  testTo: number;
  horizon: number;
  calibration: RollingCalibration;
}

/** Sums over test points shared by every candidate, so ratios compare like with like. */
export interface ModelScore {
  absError: number;
  absErrorPersistence: number;
  absErrorSeasonal: number;
  coveredP90: number;
  points: number;
}

export interface SeriesEvaluation {
  /** Validation MAE per candidate (training data only): the only input to selection. */
  validationMae: Record<string, number>;
  test: Record<string, ModelScore>;
}

export const PERSISTENCE = 'last_value';
export const SEASONAL_DAILY = 'seasonal_naive_daily';

/**
 * Scores every candidate on validation (for selection) and on the test window. A point counts
 * only where the actual and every candidate's forecast are finite.
 */
export function evaluateSeries(series: Series, candidates: Candidate[], w: EvaluationWindows): SeriesEvaluation {
  const byName = new Map(candidates.map((c) => [c.name, c]));
  const persistence = byName.get(PERSISTENCE);
  const seasonal = byName.get(SEASONAL_DAILY);
  if (!persistence || !seasonal) throw new Error(`evaluation needs the ${PERSISTENCE} and ${SEASONAL_DAILY} baselines among the candidates`);
  if (w.predFrom > w.validationFrom) throw new RangeError('predictions must cover the validation window');
  return { validationMae: scoreValidation(series, candidates, w), test: scoreTest(series, candidates, persistence, seasonal, w) };
}

/**
 * The candidate with the lowest validation MAE among `eligible` (default: all), provided it beats
 * persistence there; otherwise persistence. Persistence is always eligible.
 */
export function chooseModel(validationMae: Record<string, number>, eligible?: ReadonlySet<string>): string {
  const baseline = validationMae[PERSISTENCE]!;
  let chosen = PERSISTENCE;
  for (const [name, mae] of Object.entries(validationMae)) {
    if (eligible && !eligible.has(name)) continue;
    if (mae < baseline && mae < validationMae[chosen]!) chosen = name;
  }
  return chosen;
}

/**
 * A series' choice when the population has a default: the default if it beats persistence on this
 * series' validation (else persistence), replaced by another eligible model only if that one's
 * validation MAE is lower by more than `margin` (a share). One validation week per series is a
 * noisy estimate; switching away from what works for most series on a small apparent gain costs
 * more out of sample than it saves, so the bar for leaving the default is a clear win.
 */
export function chooseWithDefault(validationMae: Record<string, number>, eligible: ReadonlySet<string>, preferred: string, margin: number): string {
  if (!(margin >= 0 && margin < 1)) throw new RangeError(`margin must be in [0, 1), got ${margin}`);
  const baseline = validationMae[PERSISTENCE]!;
  let chosen = validationMae[preferred]! < baseline ? preferred : PERSISTENCE;
  for (const [name, mae] of Object.entries(validationMae)) {
    if (eligible.has(name) && mae < baseline && mae < (1 - margin) * validationMae[chosen]!) chosen = name;
  }
  return chosen;
}

/**
 * The population's default model: among `eligible`, the one with the lowest median validation
 * skill (MAE / persistence MAE) over the series. Validation data only.
 */
export function populationDefault(validations: Record<string, number>[], eligible: ReadonlySet<string>): string {
  let best = PERSISTENCE;
  let bestSkill = 1;
  for (const name of eligible) {
    const skill = medianValidationSkill(validations, name);
    if (skill < bestSkill) { best = name; bestSkill = skill; }
  }
  return best;
}

function medianValidationSkill(validations: Record<string, number>[], name: string): number {
  const skills = validations.map((v) => v[name]! / v[PERSISTENCE]!).filter(Number.isFinite).sort((a, b) => a - b);
  return skills.length === 0 ? NaN : skills[Math.floor((skills.length - 1) / 2)]!;
}

/**
 * Population stage of per-user selection: models whose median validation skill over the users
 * is below 1. A model that loses to persistence for most users only wins the rest by luck of
 * one validation week, and it costs more than it saves out of sample.
 */
export function eligibleModels(validations: Record<string, number>[]): Set<string> {
  const eligible = new Set<string>([PERSISTENCE]);
  const names = new Set(validations.flatMap((v) => Object.keys(v)));
  for (const name of names) if (medianValidationSkill(validations, name) < 1) eligible.add(name);
  return eligible;
}

/** Validation MAE per candidate over origins [validationFrom, testFrom), on points all of them forecast. */
export function scoreValidation(series: Series, candidates: Candidate[], w: EvaluationWindows): Record<string, number> {
  const sums = new Float64Array(candidates.length);
  let n = 0;
  const H = w.horizon;
  for (let o = w.validationFrom; o < w.testFrom; o++) {
    for (let h = 1; h <= H && o + h < w.testFrom; h++) {
      const a = series.values[o + h]!;
      if (!Number.isFinite(a)) continue;
      const i = (o - w.predFrom) * H + h - 1;
      if (!candidates.every((c) => Number.isFinite(c.pred[i]!))) continue;
      candidates.forEach((c, k) => { sums[k]! += Math.abs(a - c.pred[i]!); });
      n++;
    }
  }
  return Object.fromEntries(candidates.map((c, k) => [c.name, n === 0 ? NaN : sums[k]! / n]));
}

function scoreTest(series: Series, candidates: Candidate[], persistence: Candidate, seasonal: Candidate, w: EvaluationWindows): Record<string, ModelScore> {
  const H = w.horizon;
  const from = w.testFrom - 1;
  const to = w.testTo - 1;
  const scores = candidates.map(() => ({ absError: 0, absErrorPersistence: 0, absErrorSeasonal: 0, coveredP90: 0, points: 0 }));
  if (to <= from) return Object.fromEntries(candidates.map((c, k) => [c.name, scores[k]!]));
  const uppers = candidates.map((c) => rollingUpperQuantiles(series, c.pred, w.predFrom, from, to, H, w.calibration).p90);
  for (let o = from; o < to; o++) {
    for (let h = 1; h <= H && o + h < w.testTo; h++) {
      const a = series.values[o + h]!;
      if (!Number.isFinite(a)) continue;
      const i = (o - w.predFrom) * H + h - 1;
      if (!candidates.every((c) => Number.isFinite(c.pred[i]!))) continue;
      const ep = Math.abs(a - persistence.pred[i]!);
      const es = Math.abs(a - seasonal.pred[i]!);
      candidates.forEach((c, k) => {
        const s = scores[k]!;
        s.absError += Math.abs(a - c.pred[i]!);
        s.absErrorPersistence += ep;
        s.absErrorSeasonal += es;
        if (a <= uppers[k]![(o - from) * H + h - 1]!) s.coveredP90++;
        s.points++;
      });
    }
  }
  return Object.fromEntries(candidates.map((c, k) => [c.name, scores[k]!]));
}
