import type { Estimate, Target } from '../code/samples';
import { heldOutMetrics } from '../training/compare';
import { combineDemand, type ComponentEstimate } from './combine';

/**
 * How many of a user's (decayed) executions the code estimate is worth: a profile resting on n
 * executions gets n / (n + k) of the weight, the code estimate k / (n + k). 5 is the prior, used
 * until the trainer has fitted k on history (a version's artifact then carries its own).
 */
export const DEFAULT_CODE_EVIDENCE_STRENGTH = 5;

/**
 * The values of k a fit chooses from, three per decade. At 10,000 a profile of 50 executions
 * still gets only 0.5% of the weight: the top of the grid is "trust the code", the bottom "trust
 * the user's history after a single run".
 */
export const EVIDENCE_STRENGTH_GRID: readonly number[] = [
  0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000,
];

export function mixingWeights(evidence: number, codeEvidenceStrength: number): { code: number; profile: number } {
  const n = evidence > 0 ? evidence : 0;
  return { code: codeEvidenceStrength / (n + codeEvidenceStrength), profile: n / (n + codeEvidenceStrength) };
}

export function assertEvidenceStrength(k: number, what: string): number {
  if (!(Number.isFinite(k) && k > 0)) throw new RangeError(`${what}: the code evidence strength must be a positive number, got ${k}`);
  return k;
}

const MIB = 1024 * 1024;

/** A code estimate in the predictor's units (memory in bytes): the component it mixes. */
export function codeComponentOf(estimate: Estimate, version: string, modelName: string): ComponentEstimate {
  return {
    source: 'CODE_ANALYSIS',
    model: { name: modelName, version },
    cpuMs: estimate.cpu_ms,
    peakMemoryBytes: { p50: estimate.peak_memory_mb.p50 * MIB, p90: estimate.peak_memory_mb.p90 * MIB, p99: estimate.peak_memory_mb.p99 * MIB },
    durationMs: estimate.duration_ms,
  };
}

/**
 * What the predictor predicts from a code estimate and a profile resting on `evidence`
 * executions under k, in the estimator's units: the mixture is taken in the predictor's own
 * units (combineDemand over bytes), so a fit scores exactly what a version would have predicted.
 */
export function mixEstimates(code: Estimate, profile: Estimate, evidence: number, k: number): Estimate {
  const w = mixingWeights(evidence, k);
  const mixed = combineDemand([
    { estimate: codeComponentOf(code, '', ''), weight: w.code },
    { estimate: { ...codeComponentOf(profile, '', ''), source: 'USER_PROFILE' }, weight: w.profile },
  ]);
  const mib = mixed.peakMemoryBytes;
  return { cpu_ms: mixed.cpuMs, peak_memory_mb: { p50: mib.p50 / MIB, p90: mib.p90 / MIB, p99: mib.p99 / MIB }, duration_ms: mixed.durationMs };
}

/** A request that was predicted with a user profile: the code estimate, the profile as it was then, and what the run used. */
export interface ProfiledRequest {
  code: Estimate;
  profile: Estimate;
  /** The profile's decayed executions at prediction time (the USER_PROFILE component's evidence). */
  evidence: number;
  actual: Record<Target, number>;
}

export interface EvidenceStrengthOptions {
  /** The k in use: kept when the rows are too few or no other value scores better on them. */
  prior: number;
  /** Fewest profiled requests to fit on. */
  minRows: number;
  grid?: readonly number[];
}

export interface EvidenceStrengthFit {
  codeEvidenceStrength: number;
  /** Profiled requests it was fitted on. */
  rows: number;
  /** Mean pinball loss of ln(1 + usage) of the mixed predictions, at the chosen k and at the prior (absent when too few rows). */
  loss?: { chosen: number; prior: number };
  reason: string;
}

/**
 * Chooses k from the grid by the pinball loss of the mixed predictions on profiled requests (the
 * loss that promotes code-estimator versions): how far a user's history should outweigh the
 * code estimate is learnt from how good each has been, not fixed. The prior wins ties.
 */
export function fitEvidenceStrength(rows: readonly ProfiledRequest[], o: EvidenceStrengthOptions): EvidenceStrengthFit {
  assertEvidenceStrength(o.prior, 'prior');
  if (rows.length < o.minRows) {
    return { codeEvidenceStrength: o.prior, rows: rows.length, reason: `${rows.length} requests predicted with a profile, fewer than ${o.minRows}: the prior ${o.prior} is kept` };
  }
  const actual = rows.map((r) => r.actual);
  const lossAt = (k: number) => heldOutMetrics(rows.map((r) => mixEstimates(r.code, r.profile, r.evidence, k)), actual).pinball_log_mean;
  const prior = lossAt(o.prior);
  let best = { k: o.prior, loss: prior };
  for (const k of o.grid ?? EVIDENCE_STRENGTH_GRID) {
    const loss = lossAt(k);
    // Mixing equal estimates under another k differs only by rounding: that is no reason to move.
    if (loss < best.loss - 1e-9 * Math.max(1, best.loss)) best = { k, loss };
  }
  return {
    codeEvidenceStrength: best.k,
    rows: rows.length,
    loss: { chosen: best.loss, prior },
    reason: best.k === o.prior ? `no k scores better than the prior ${o.prior}` : `k ${best.k}: pinball ${best.loss.toFixed(4)} vs ${prior.toFixed(4)} at the prior ${o.prior}`,
  };
}

/**
 * Each request mixed under the k fitted on the other half of the requests (alternate rows), so
 * a version is scored on predictions its own fit never saw; the k a version ships with is fitted
 * on all of them.
 */
export function crossFittedMixes(rows: readonly ProfiledRequest[], o: EvidenceStrengthOptions): Estimate[] {
  const folds = [rows.filter((_, i) => i % 2 === 0), rows.filter((_, i) => i % 2 === 1)];
  const fitted = folds.map((_, f) => fitEvidenceStrength(folds[1 - f]!, o).codeEvidenceStrength);
  return rows.map((r, i) => mixEstimates(r.code, r.profile, r.evidence, fitted[i % 2]!));
}
