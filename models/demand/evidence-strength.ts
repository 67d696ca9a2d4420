import { targets, type Estimate, type Target } from '../code/samples';
import { heldOutMetrics } from '../training/compare';
import { combineDemand, type ComponentEstimate, type WeightedEstimate } from './combine';

/**
 * How many of a user's (decayed) executions the code estimate is worth, per resource: a profile
 * resting on n executions gets n / (n + k) of the weight, the code estimate k / (n + k). A code
 * estimate can read one resource well and another badly (a loop's CPU time from its trips, but
 * not the runtime's memory around a buffer), so each resource has its own k. 5 is the prior, used
 * until the trainer has fitted them on history (a version's artifact then carries its own).
 */
export type EvidenceStrengths = Record<Target, number>;

export const DEFAULT_CODE_EVIDENCE_STRENGTHS: EvidenceStrengths = { cpu_ms: 5, peak_memory_mb: 5, duration_ms: 5 };

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

/** Refuses anything but positive numbers for every resource (an artifact's mixing is read from storage). */
export function assertEvidenceStrengths(k: unknown, what: string): EvidenceStrengths {
  const record = (typeof k === 'object' && k !== null ? k : {}) as Record<string, unknown>;
  for (const t of targets) {
    const value = record[t];
    if (!(typeof value === 'number' && Number.isFinite(value) && value > 0)) {
      throw new RangeError(`${what}: the code evidence strength of ${t} must be a positive number, got ${String(value)}`);
    }
  }
  return { cpu_ms: record.cpu_ms as number, peak_memory_mb: record.peak_memory_mb as number, duration_ms: record.duration_ms as number };
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
 * The code component's and the profile's weights for a profile resting on `evidence`
 * executions: overall the CPU time's (what the components record), and per resource.
 */
export function mixtureWeights(evidence: number, k: EvidenceStrengths): { code: Omit<WeightedEstimate, 'estimate'>; profile: Omit<WeightedEstimate, 'estimate'> } {
  const cpu = mixingWeights(evidence, k.cpu_ms);
  const memory = mixingWeights(evidence, k.peak_memory_mb);
  const duration = mixingWeights(evidence, k.duration_ms);
  return {
    code: { weight: cpu.code, byResource: { peakMemoryBytes: memory.code, durationMs: duration.code } },
    profile: { weight: cpu.profile, byResource: { peakMemoryBytes: memory.profile, durationMs: duration.profile } },
  };
}

/**
 * What the predictor predicts from a code estimate and a profile resting on `evidence`
 * executions under k, in the estimator's units: the mixture is taken in the predictor's own
 * units (combineDemand over bytes), so a fit scores exactly what a version would have predicted.
 */
export function mixEstimates(code: Estimate, profile: Estimate, evidence: number, k: EvidenceStrengths): Estimate {
  const w = mixtureWeights(evidence, k);
  const mixed = combineDemand([
    { estimate: codeComponentOf(code, '', ''), ...w.code },
    { estimate: { ...codeComponentOf(profile, '', ''), source: 'USER_PROFILE' }, ...w.profile },
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
  /** The ks in use: a resource's is kept when the rows are too few or no other value scores better on them. */
  prior: EvidenceStrengths;
  /** Fewest profiled requests to fit on. */
  minRows: number;
  grid?: readonly number[];
}

export interface EvidenceStrengthFit {
  codeEvidenceStrength: EvidenceStrengths;
  /** Profiled requests it was fitted on. */
  rows: number;
  /** Mean pinball loss of ln(1 + usage) of the mixed predictions, at the chosen ks and at the prior (absent when too few rows). */
  loss?: { chosen: number; prior: number };
  reason: string;
}

const pinballOf: Record<Target, 'pinball_log_cpu_ms' | 'pinball_log_peak_memory_mb' | 'pinball_log_duration_ms'> = {
  cpu_ms: 'pinball_log_cpu_ms', peak_memory_mb: 'pinball_log_peak_memory_mb', duration_ms: 'pinball_log_duration_ms',
};

/**
 * Chooses each resource's k from the grid by the pinball loss of the mixed predictions on
 * profiled requests (the loss that promotes code-estimator versions): how far a user's history
 * should outweigh the code estimate is learnt from how good each has been, not fixed. A
 * resource's loss depends on its own k only, so each is chosen on its own. The prior wins ties.
 */
export function fitEvidenceStrength(rows: readonly ProfiledRequest[], o: EvidenceStrengthOptions): EvidenceStrengthFit {
  const prior = assertEvidenceStrengths(o.prior, 'prior');
  // A fit needs a row at least: on none there is no loss to choose by.
  const minRows = Math.max(1, o.minRows);
  if (rows.length < minRows) {
    return { codeEvidenceStrength: prior, rows: rows.length, reason: `${rows.length} requests predicted with a profile, fewer than ${minRows}: the prior is kept` };
  }
  const actual = rows.map((r) => r.actual);
  const lossesAt = (k: EvidenceStrengths) => heldOutMetrics(rows.map((r) => mixEstimates(r.code, r.profile, r.evidence, k)), actual);
  const atPrior = lossesAt(prior);
  const best = Object.fromEntries(targets.map((t) => [t, { k: prior[t], loss: atPrior[pinballOf[t]] }])) as Record<Target, { k: number; loss: number }>;
  for (const k of o.grid ?? EVIDENCE_STRENGTH_GRID) {
    const losses = lossesAt({ cpu_ms: k, peak_memory_mb: k, duration_ms: k });
    for (const t of targets) {
      // Mixing equal estimates under another k differs only by rounding: that is no reason to move.
      if (losses[pinballOf[t]] < best[t].loss - 1e-9 * Math.max(1, best[t].loss)) best[t] = { k, loss: losses[pinballOf[t]] };
    }
  }
  const chosen = { cpu_ms: best.cpu_ms.k, peak_memory_mb: best.peak_memory_mb.k, duration_ms: best.duration_ms.k };
  const loss = { chosen: targets.reduce((sum, t) => sum + best[t].loss, 0) / targets.length, prior: atPrior.pinball_log_mean };
  const moved = targets.filter((t) => chosen[t] !== prior[t]);
  return {
    codeEvidenceStrength: chosen,
    rows: rows.length,
    loss,
    reason: moved.length === 0
      ? 'no k scores better than the prior'
      : `${moved.map((t) => `${t} ${prior[t]} -> ${chosen[t]}`).join(', ')}: pinball ${loss.chosen.toFixed(4)} vs ${loss.prior.toFixed(4)} at the prior`,
  };
}

/**
 * The ks a version ships with, fitted on every profiled request, and each request mixed under the
 * ks fitted on the other half (alternate rows), so a version is scored on predictions its own fit
 * never saw. Unless each half holds `minRows`, the halves could only keep the prior, and a fit on
 * all of them would ship ks the score never saw at work: the prior is kept instead.
 *
 * A resource whose cross-fitted mixes score worse than the prior's on the same requests keeps
 * its prior k: what one half taught did not hold on the other, so a fit on all of them is not to
 * be trusted either. This is what lets the halves be small (a young deployment has few requests
 * predicted with a profile) without shipping ks fitted to noise.
 */
export function fitCrossFitted(rows: readonly ProfiledRequest[], o: EvidenceStrengthOptions): { fit: EvidenceStrengthFit; mixes: Estimate[] } {
  const prior = assertEvidenceStrengths(o.prior, 'prior');
  const atPrior = rows.map((r) => mixEstimates(r.code, r.profile, r.evidence, prior));
  const folds = [rows.filter((_, i) => i % 2 === 0), rows.filter((_, i) => i % 2 === 1)];
  // A half needs a row at least: a fit on none has no loss to choose by.
  const minRows = Math.max(1, o.minRows);
  if (folds[1]!.length < minRows) {
    return {
      fit: {
        codeEvidenceStrength: prior, rows: rows.length,
        reason: `${rows.length} requests predicted with a profile, too few to fit on each half (${minRows}) and score the fit: the prior is kept`,
      },
      mixes: atPrior,
    };
  }
  const fittedOn = folds.map((_, f) => fitEvidenceStrength(folds[1 - f]!, o).codeEvidenceStrength);
  const crossFitted = rows.map((r, i) => mixEstimates(r.code, r.profile, r.evidence, fittedOn[i % 2]!));
  const actual = rows.map((r) => r.actual);
  const [crossLoss, priorLoss] = [heldOutMetrics(crossFitted, actual), heldOutMetrics(atPrior, actual)];
  const held = targets.filter((t) => !(crossLoss[pinballOf[t]] > priorLoss[pinballOf[t]]));
  const fit = fitEvidenceStrength(rows, o);
  if (held.length === targets.length) return { fit, mixes: crossFitted };
  const keepingPrior = (k: EvidenceStrengths) => Object.fromEntries(targets.map((t) => [t, held.includes(t) ? k[t] : prior[t]])) as EvidenceStrengths;
  const guarded = fittedOn.map(keepingPrior);
  const shipped = keepingPrior(fit.codeEvidenceStrength);
  // A resource whose fit on all rows kept the prior anyway ships the same k: nothing to tell.
  const failed = targets.filter((t) => !held.includes(t) && fit.codeEvidenceStrength[t] !== prior[t]);
  return {
    fit: {
      ...fit,
      codeEvidenceStrength: shipped,
      loss: { chosen: heldOutMetrics(rows.map((r) => mixEstimates(r.code, r.profile, r.evidence, shipped)), actual).pinball_log_mean, prior: priorLoss.pinball_log_mean },
      reason: failed.length === 0 ? fit.reason : `${fit.reason}; ${failed.map((t) => `${t} keeps ${prior[t]}`).join(', ')}: mixed under the other half's fit it scored `
        + `${failed.map((t) => `${crossLoss[pinballOf[t]].toFixed(4)} vs ${priorLoss[pinballOf[t]].toFixed(4)}`).join(', ')} at the prior`,
    },
    mixes: rows.map((r, i) => mixEstimates(r.code, r.profile, r.evidence, guarded[i % 2]!)),
  };
}
