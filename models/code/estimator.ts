import { join } from 'node:path';
import { fitDomain, guardDomain, type FeatureDomain } from './extrapolation';
import { featureVector, type CodeFeatures } from './features';
import { fitLinearBaseline, predictLinear, type LinearBaseline } from './linear-baseline';
import { coverage, medianAbsLogError, quantile, spearman } from './metrics';
import { defaultMlpOptions, denseNetOf, predictMlp, serializeMlp, trainMlp, type Calibration, type MlpOptions, type SerializedMlp } from './quantile-mlp';
import { fitScaler, splitHeldOut, targets, toLog, toVector, type Estimate, type Sample, type Scaler, type Target } from './samples';
import { seededRandom } from '../seeded-random';

export type ModelName = 'quantile-mlp' | 'log-ridge';

export interface TargetScore {
  /** Rank correlation of the predicted median with the measured value. */
  spearman: number;
  /** Median |ln(1 + predicted p50) - ln(1 + measured)|. */
  median_abs_log_error: number;
  /** Share of measured values at or below p90 and p99. */
  coverage_p90: number;
  coverage_p99: number;
}
export type Scores = Record<Target, TargetScore>;

/** Everything needed to estimate, and the evidence for the choice of model. Plain JSON. */
export interface EstimatorArtifact {
  format: 'prm-code-estimator/1';
  selected: ModelName;
  features: string[];
  scaler: Scaler;
  /**
   * The training inputs' range; beyond it both models extrapolate by proportion to size
   * (extrapolation.ts). Versions trained before it was recorded have none and run unguarded.
   */
  domain?: FeatureDomain;
  baseline: LinearBaseline;
  mlp: SerializedMlp;
  mlpCalibration: Calibration;
  heldOut: Record<ModelName, Scores>;
  training: { samples: number; heldOut: number; seed: number; heldOutShare: number; backend: string; corpus: Record<string, unknown> };
}

export interface TrainOptions {
  seed: number;
  heldOutShare: number;
  mlp?: Partial<MlpOptions>;
  backend: string;
  corpus: Record<string, unknown>;
}

/** Builds training samples from analysed programs with measured usage; refused or failed programs are left out. */
export function toSamples(rows: { id: string; group: string; features: CodeFeatures; y: Record<Target, number> }[]): Sample[] {
  return rows.filter((r) => r.features.parsed).map((r) => ({ id: r.id, group: r.group, x: toVector(r.features), y: r.y }));
}

/**
 * Fits the baseline and the MLP on the training share, scores both on the held-out share, and
 * selects the MLP only if its mean held-out log error is lower than the baseline's.
 */
export async function trainEstimator(samples: Sample[], o: TrainOptions): Promise<EstimatorArtifact> {
  const { train, test } = splitHeldOut(samples, o.heldOutShare, seededRandom(o.seed));
  if (train.length < 20 || test.length < 5) throw new RangeError(`too few samples to train (${train.length} train, ${test.length} held out)`);
  const scaler = fitScaler(train.map((s) => s.x));
  const domain = fitDomain(train.map((s) => s.x));
  const baseline = fitLinearBaseline(train, scaler);
  const mlpOptions = { ...defaultMlpOptions, ...o.mlp, seed: o.mlp?.seed ?? o.seed };
  // The network's own upper quantiles are fitted on data it has seen and come out too narrow;
  // a slice of the training share it never sees sets how far above p50 they must reach.
  const { train: fit, test: calibrate } = splitHeldOut(train, 0.2, seededRandom(o.seed + 1));
  const model = await trainMlp(fit, scaler, mlpOptions);
  let mlp: SerializedMlp;
  try {
    mlp = await serializeMlp(model, mlpOptions);
  } finally {
    model.dispose();
  }
  // Scored as served: the saved network, through the domain guard.
  const net = denseNetOf(mlp);
  const calibration = calibrationOf(guardDomain(domain, (xs) => predictMlp(net, scaler, xs))(calibrate.map((s) => s.x)), calibrate);
  const baselineScores = score(guardDomain(domain, (xs) => xs.map((x) => predictLinear(baseline, scaler, x)))(test.map((s) => s.x)), test);
  const mlpScores = score(guardDomain(domain, (xs) => predictMlp(net, scaler, xs, calibration))(test.map((s) => s.x)), test);
  const meanError = (s: Scores) => targets.reduce((sum, t) => sum + s[t].median_abs_log_error, 0) / targets.length;
  return {
    format: 'prm-code-estimator/1',
    selected: meanError(mlpScores) < meanError(baselineScores) ? 'quantile-mlp' : 'log-ridge',
    features: featureVector.map((f) => f.name),
    scaler, domain, baseline, mlp,
    mlpCalibration: calibration,
    heldOut: { 'quantile-mlp': mlpScores, 'log-ridge': baselineScores },
    training: { samples: train.length, heldOut: test.length, seed: o.seed, heldOutShare: o.heldOutShare, backend: o.backend, corpus: o.corpus },
  };
}

export function score(predictions: Estimate[], actual: Sample[]): Scores {
  const out = {} as Scores;
  for (const t of targets) {
    const measured = actual.map((s) => s.y[t]);
    out[t] = {
      spearman: round(spearman(predictions.map((p) => p[t].p50), measured)),
      median_abs_log_error: round(medianAbsLogError(predictions.map((p) => p[t].p50), measured)),
      coverage_p90: round(coverage(predictions.map((p) => p[t].p90), measured)),
      coverage_p99: round(coverage(predictions.map((p) => p[t].p99), measured)),
    };
  }
  return out;
}

/** A ready estimator over one artifact; `model` may be forced to score the other one. */
export interface Estimator {
  name: ModelName;
  estimate(features: CodeFeatures[]): Estimate[];
  dispose(): void;
}

export async function loadEstimator(artifact: EstimatorArtifact, model: ModelName = artifact.selected): Promise<Estimator> {
  const expected = featureVector.map((f) => f.name).join(',');
  if (artifact.format !== 'prm-code-estimator/1' || artifact.features.join(',') !== expected) {
    throw new Error('code estimator artifact does not match this analyser\'s features: retrain it (npx prm estimate-eval --retrain)');
  }
  const guarded = (predict: (xs: number[][]) => Estimate[]) => (artifact.domain ? guardDomain(artifact.domain, predict) : predict);
  if (model === 'log-ridge') {
    const predict = guarded((xs) => xs.map((x) => predictLinear(artifact.baseline, artifact.scaler, x)));
    return { name: model, estimate: (fs) => predict(fs.map(toVector)), dispose: () => {} };
  }
  const net = denseNetOf(artifact.mlp);
  const predict = guarded((xs) => predictMlp(net, artifact.scaler, xs, artifact.mlpCalibration));
  return { name: model, estimate: (fs) => predict(fs.map(toVector)), dispose: () => {} };
}

function calibrationOf(predictions: Estimate[], actual: Sample[]): Calibration {
  const out = {} as Calibration;
  for (const t of targets) {
    const gaps = actual.map((s, i) => toLog(s.y[t]) - toLog(predictions[i]![t].p50));
    out[t] = [Math.max(0, quantile(gaps, 0.9)), Math.max(0, quantile(gaps, 0.99))];
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Where the shipped artifact lives (retrained by `npx prm estimate-eval --retrain`). */
export const artifactPath = join(__dirname, 'estimator-model.json');
