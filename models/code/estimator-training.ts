import { featureVector } from './features';
import { fitDomain, guardDomain } from './extrapolation';
import { fitLinearBaseline, predictLinear } from './linear-baseline';
import { quantile } from './metrics';
import { denseNetOf, defaultMlpOptions, predictMlp, type Calibration, type MlpOptions, type SerializedMlp } from './quantile-mlp';
import { serializeMlp, trainMlp } from './quantile-mlp-training';
import { fitScaler, splitHeldOut, targets, toLog, type Estimate, type Sample } from './samples';
import { score, type EstimatorArtifact, type Scores } from './estimator';
import { seededRandom } from '../seeded-random';

// Training the code estimator (TensorFlow.js for its MLP); loading and serving it is estimator.ts.

export interface TrainOptions {
  seed: number;
  heldOutShare: number;
  mlp?: Partial<MlpOptions>;
  backend: string;
  corpus: Record<string, unknown>;
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

function calibrationOf(predictions: Estimate[], actual: Sample[]): Calibration {
  const out = {} as Calibration;
  for (const t of targets) {
    const gaps = actual.map((s, i) => toLog(s.y[t]) - toLog(predictions[i]![t].p50));
    out[t] = [Math.max(0, quantile(gaps, 0.9)), Math.max(0, quantile(gaps, 0.99))];
  }
  return out;
}
