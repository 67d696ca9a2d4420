import { trainEstimator, type Estimator } from '../code/estimator';
import type { Estimate } from '../code/samples';
import { wrapEstimatorArtifact, type EstimatorInputs, type TrainedEstimatorArtifact } from './artifact';
import { featuresFromEvent } from './code-features-event';
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

/**
 * The version in use and how to score it on the held-out rows: a version trained on the event
 * view is re-run (its estimator is required); one fed by the analyser is judged by the
 * predictions it recorded.
 */
export type CurrentVersion =
  | { version: string; inputs: 'code-features-event'; estimator: Estimator }
  | { version: string; inputs: Exclude<EstimatorInputs, 'code-features-event'> };

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
 * A current version trained on the event view is re-run on them; the shipped one (which needs
 * features the history does not keep) is judged by the predictions it actually made then.
 */
export async function trainCodeCandidate(rows: readonly TrainingRow[], current: CurrentVersion, o: CodeTrainingOptions): Promise<CodeTrainingOutcome> {
  const usable = usableRows(rows);
  if (usable.length < o.minRows) return { status: 'skipped', reason: `${usable.length} usable rows in the window, fewer than ${o.minRows}`, usableRows: usable.length };
  const { train, heldOut } = splitByTime(usable, o.heldOutShare);
  const estimator = await trainEstimator(train.map(toSample), {
    seed: o.seed, heldOutShare: 0.25, mlp: { epochs: o.epochs }, backend: o.backend, corpus: { source: 'prm history window', rows: train.length },
  });
  const artifact = wrapEstimatorArtifact(estimator, 'code-features-event');

  const currentPredictions = scoreable(heldOut, current);
  const withCurrent = heldOut.filter((_, i) => currentPredictions[i] !== undefined);
  // With nothing to compare against, the candidate is still scored (on every held-out row) for the record.
  const compared = withCurrent.length > 0 ? withCurrent : heldOut;
  const candidateEstimator = await loadTrainedEstimator(artifact);
  try {
    const candidatePredictions = candidateEstimator.estimate(compared.map((r) => featuresFromEvent(r.features)));
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

function scoreable(rows: readonly TrainingRow[], current: CurrentVersion): (Estimate | undefined)[] {
  if (current.inputs === 'code-features-event') return current.estimator.estimate(rows.map((r) => featuresFromEvent(r.features)));
  return rows.map((r) => r.recorded);
}
