import { trainEstimator, type Estimator } from '../code/estimator';
import type { Estimate } from '../code/samples';
import { wrapEstimatorArtifact, type EstimatorInputs, type TrainedEstimatorArtifact } from './artifact';
import { decidePromotion, heldOutMetrics, type Decision, type HeldOutMetrics, type PromotionRule } from './compare';
import { measured, splitByTime, toSample, usableRows, type TrainingRow } from './dataset';
import { loadTrainedEstimator } from './load';

export interface CodeTrainingOptions extends PromotionRule {
  /** Seeds the MLP's initialisation and the split that selects MLP or ridge. */
  seed: number;
  /** Latest share of the window held out for validation. */
  heldOutShare: number;
  epochs: number;
  /** Fewest usable rows in the window to train at all. */
  minRows: number;
  /** The TensorFlow.js backend in use, recorded in the artifact. */
  backend: string;
}

export const defaultCodeTrainingOptions: Omit<CodeTrainingOptions, 'backend'> = {
  seed: 7, heldOutShare: 0.25, epochs: 400, minRows: 40, minComparedRows: 10, minImprovement: 0,
};

/** The version in use, loaded (models/training/load: it sees the inputs it was trained on). */
export interface CurrentVersion {
  version: string;
  inputs: EstimatorInputs;
  estimator: Estimator;
}

/**
 * A window of history to train on. `inputs` says what its rows' features are: the analyser's
 * (recorded from the requests' code) or the event view (from prm.code-features alone).
 */
export interface TrainingWindow {
  inputs: EstimatorInputs;
  rows: readonly TrainingRow[];
}

export type CodeTrainingOutcome =
  | { status: 'skipped'; reason: string; usableRows: number }
  | {
      status: 'trained';
      artifact: TrainedEstimatorArtifact;
      trainingRows: number;
      heldOutRows: number;
      candidate: HeldOutMetrics;
      /** The current version on the same rows (absent when it could be scored on none). */
      current: HeldOutMetrics | undefined;
      decision: Decision;
    };

/**
 * One retraining of the code estimator on a window of history: fit the same model family as
 * the shipped artifact (quantile MLP, ridge baseline, the better on an inner split) on the
 * earlier rows, then score the candidate and the current version on the same latest rows.
 * The current version is re-run on them when they hold what it needs (the analyser's features
 * serve every version; the event view only versions trained on it); otherwise it is judged by
 * the predictions it actually made for those requests then.
 */
export async function trainCodeCandidate(window: TrainingWindow, current: CurrentVersion, o: CodeTrainingOptions): Promise<CodeTrainingOutcome> {
  const usable = usableRows(window.rows);
  if (usable.length < o.minRows) return { status: 'skipped', reason: `${usable.length} usable rows in the window, fewer than ${o.minRows}`, usableRows: usable.length };
  const { train, heldOut } = splitByTime(usable, o.heldOutShare);
  const estimator = await trainEstimator(train.map(toSample), {
    seed: o.seed, heldOutShare: 0.25, mlp: { epochs: o.epochs }, backend: o.backend, corpus: { source: 'prm history window', rows: train.length },
  });
  const artifact = wrapEstimatorArtifact(estimator, window.inputs);

  const currentPredictions = scoreable(heldOut, window.inputs, current);
  const withCurrent = heldOut.filter((_, i) => currentPredictions[i] !== undefined);
  // With nothing to compare against, the candidate is still scored (on every held-out row) for the record.
  const compared = withCurrent.length > 0 ? withCurrent : heldOut;
  const candidateEstimator = await loadTrainedEstimator(artifact);
  try {
    const candidatePredictions = candidateEstimator.estimate(compared.map((r) => r.features));
    const actual = compared.map(measured);
    const candidate = heldOutMetrics(candidatePredictions, actual);
    const currentMetrics = withCurrent.length > 0 ? heldOutMetrics(currentPredictions.filter((p): p is Estimate => p !== undefined), actual) : undefined;
    return {
      status: 'trained', artifact, trainingRows: train.length, heldOutRows: heldOut.length,
      candidate, current: currentMetrics, decision: decidePromotion(candidate, currentMetrics, o),
    };
  } finally {
    candidateEstimator.dispose();
  }
}

function scoreable(rows: readonly TrainingRow[], inputs: EstimatorInputs, current: CurrentVersion): (Estimate | undefined)[] {
  if (inputs === 'analyzer' || current.inputs === 'code-features-event') return current.estimator.estimate(rows.map((r) => r.features));
  return rows.map((r) => r.recorded);
}
