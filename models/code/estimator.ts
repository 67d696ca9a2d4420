import { join } from 'node:path';
import { guardDomain, type FeatureDomain } from './extrapolation';
import { featureVector, type CodeFeatures } from './features';
import { predictLinear, type LinearBaseline } from './linear-baseline';
import { coverage, medianAbsLogError, spearman } from './metrics';
import { denseNetOf, predictMlp, type Calibration, type SerializedMlp } from './quantile-mlp';
import { targets, toVector, type Estimate, type Sample, type Scaler, type Target } from './samples';

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

/** Builds training samples from analysed programs with measured usage; refused or failed programs are left out. */
export function toSamples(rows: { id: string; group: string; features: CodeFeatures; y: Record<Target, number> }[]): Sample[] {
  return rows.filter((r) => r.features.parsed).map((r) => ({ id: r.id, group: r.group, x: toVector(r.features), y: r.y }));
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

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Where the shipped artifact lives (retrained by `npx prm estimate-eval --retrain`). */
export const artifactPath = join(__dirname, 'estimator-model.json');
