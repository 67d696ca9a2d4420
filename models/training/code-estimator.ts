import type { Estimator } from '../code/estimator';
import { trainEstimator } from '../code/estimator-training';
import type { Estimate, Target } from '../code/samples';
import {
  DEFAULT_CODE_EVIDENCE_STRENGTHS, fitCrossFitted, mixEstimates, type EvidenceStrengthFit, type EvidenceStrengths, type ProfiledRequest,
} from '../demand/evidence-strength';
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
  /**
   * Fewest held-out requests predicted with a user profile in each half of them to fit (and
   * score) how much profiles outweigh the code estimate. Small, so that a young deployment's
   * first version can move off the prior: a resource whose fit fails on the other half keeps it.
   */
  minProfiledRows: number;
  /** The TensorFlow.js backend in use, recorded in the artifact. */
  backend: string;
}

export const defaultCodeTrainingOptions: Omit<CodeTrainingOptions, 'backend'> = {
  seed: 7, heldOutShare: 0.25, epochs: 400, minRows: 40, minProfiledRows: 10, minComparedRows: 10, minImprovement: 0,
};

/** The version in use, loaded (models/training/load: it sees the inputs it was trained on). */
export interface CurrentVersion {
  version: string;
  inputs: EstimatorInputs;
  estimator: Estimator;
  /** Its weight against user profiles per resource (its artifact's mixing); default DEFAULT_CODE_EVIDENCE_STRENGTHS. */
  codeEvidenceStrength?: EvidenceStrengths;
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
      /** The candidate's predictions as the predictor would make them (mixed with the profiles they had) on the held-out rows. */
      candidate: HeldOutMetrics;
      /** The current version on the same rows, mixed under its own ks (absent when it could be scored on none). */
      current: HeldOutMetrics | undefined;
      /** The candidate's ks, fitted on the held-out rows that had a profile (the artifact's mixing). */
      mixing: EvidenceStrengthFit;
      /** `pinball_log_mean` of the code estimates alone on the same rows: what each estimator knows before mixing. */
      codeOnly: { candidate: number; current?: number };
      decision: Decision;
    };

/**
 * One retraining of the code estimator on a window of history: fit the same model family as
 * the shipped artifact (quantile MLP, ridge baseline, the better on an inner split) on the
 * earlier rows, then score the candidate and the current version on the same latest rows.
 * The current version is re-run on them when they hold what it needs (the analyser's features
 * serve every version; the event view only versions trained on it); otherwise it is judged by
 * the predictions it actually made for those requests then.
 *
 * Both are scored as the predictor uses them: on a request that was predicted with a user
 * profile, the estimate is mixed with that profile. The candidate's ks (how many decayed
 * executions its estimate of each resource is worth) are fitted on those requests and shipped
 * in its artifact; it is scored cross-fitted (each half under the ks fitted on the other), the
 * current version under the ks it runs with.
 */
export async function trainCodeCandidate(window: TrainingWindow, current: CurrentVersion, o: CodeTrainingOptions): Promise<CodeTrainingOutcome> {
  const usable = usableRows(window.rows);
  if (usable.length < o.minRows) return { status: 'skipped', reason: `${usable.length} usable rows in the window, fewer than ${o.minRows}`, usableRows: usable.length };
  const { train, heldOut } = splitByTime(usable, o.heldOutShare);
  const estimator = await trainEstimator(train.map(toSample), {
    seed: o.seed, heldOutShare: 0.25, mlp: { epochs: o.epochs }, backend: o.backend, corpus: { source: 'prm history window', rows: train.length },
  });
  const currentPredictions = scoreable(heldOut, window.inputs, current);
  const withCurrent = heldOut.filter((_, i) => currentPredictions[i] !== undefined);
  // With nothing to compare against, the candidate is still scored (on every held-out row) for the record.
  const compared = withCurrent.length > 0 ? withCurrent : heldOut;
  const candidateEstimator = await loadTrainedEstimator(wrapEstimatorArtifact(estimator, window.inputs));
  try {
    const candidatePredictions = candidateEstimator.estimate(compared.map((r) => r.features));
    const actual = compared.map(measured);
    const currentK = current.codeEvidenceStrength ?? DEFAULT_CODE_EVIDENCE_STRENGTHS;
    const mixingOptions = { prior: currentK, minRows: o.minProfiledRows };
    const profiled = profiledRequests(compared, candidatePredictions, actual);
    const { fit: mixing, mixes } = fitCrossFitted(profiled.map((p) => p.request), mixingOptions);
    const candidateAsPredicted = [...candidatePredictions];
    mixes.forEach((mixed, j) => { candidateAsPredicted[profiled[j]!.index] = mixed; });
    const candidate = heldOutMetrics(candidateAsPredicted, actual);
    const currentCode = withCurrent.length > 0 ? currentPredictions.filter((p): p is Estimate => p !== undefined) : undefined;
    const currentMetrics = currentCode ? heldOutMetrics(currentCode.map((p, i) => mixedAsPredicted(p, compared[i]!, currentK)), actual) : undefined;
    const codeOnly = {
      candidate: heldOutMetrics(candidatePredictions, actual).pinball_log_mean,
      ...(currentCode ? { current: heldOutMetrics(currentCode, actual).pinball_log_mean } : {}),
    };
    return {
      status: 'trained',
      artifact: wrapEstimatorArtifact(estimator, window.inputs, { codeEvidenceStrength: mixing.codeEvidenceStrength }),
      trainingRows: train.length, heldOutRows: heldOut.length,
      candidate, current: currentMetrics, mixing, codeOnly, decision: decidePromotion(candidate, currentMetrics, o),
    };
  } finally {
    candidateEstimator.dispose();
  }
}

/** The held-out rows predicted with a profile, each with its index among `rows`. */
function profiledRequests(rows: readonly TrainingRow[], code: readonly Estimate[], actual: readonly Record<Target, number>[]): { index: number; request: ProfiledRequest }[] {
  const profiled: { index: number; request: ProfiledRequest }[] = [];
  rows.forEach((r, index) => {
    if (r.profile) profiled.push({ index, request: { code: code[index]!, profile: r.profile.estimate, evidence: r.profile.evidence, actual: actual[index]! } });
  });
  return profiled;
}

function mixedAsPredicted(code: Estimate, row: TrainingRow, k: EvidenceStrengths): Estimate {
  return row.profile ? mixEstimates(code, row.profile.estimate, row.profile.evidence, k) : code;
}

function scoreable(rows: readonly TrainingRow[], inputs: EstimatorInputs, current: CurrentVersion): (Estimate | undefined)[] {
  if (inputs === 'analyzer' || current.inputs === 'code-features-event') return current.estimator.estimate(rows.map((r) => r.features));
  return rows.map((r) => r.recorded);
}
