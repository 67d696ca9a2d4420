import type { Analyzer } from './analyzer';
import type { Estimator } from './estimator';
import { coverage, medianAbsLogError, spearman } from './metrics';

const MIB = 1024 * 1024;

/** One program of a replayed workload and the usage the trace says it really had. */
export interface WorkloadProgram {
  id: string;
  code: string;
  usage: { cpuMs: number; peakMemoryBytes: number; durationMs: number };
}

/** How the predicted median and p90 of one quantity compare with the truth. */
export interface QuantityCheck {
  /** Mean |p50 - truth|, in the quantity's unit (ms, or MiB for memory). */
  mean_abs_error: number;
  /** Median |ln(1 + p50) - ln(1 + truth)|. */
  median_abs_log_error: number;
  spearman: number;
  /** Share of jobs whose truth is at or below the predicted p90. */
  coverage_p90: number;
}

export interface WorkloadCheck {
  model: string;
  jobs: number;
  /** Programs the analyser refused or could not parse (still estimated, as the predictor does). */
  unparsed: number;
  cpu_ms: QuantityCheck;
  duration_ms: QuantityCheck;
  peak_memory_mb: QuantityCheck & {
    /** The factor the reservation puts on the p90. */
    reservation_margin: number;
    /** Share of jobs whose peak fits in p90 × margin; the rest would be killed as OOM and retried. */
    coverage_reserved: number;
  };
}

/**
 * Scores an estimator on programs far from its corpus: analyses each program, estimates it,
 * and compares with the usage the trace recorded. `reservationMargin` is the scheduler's
 * memory margin over the p90 (streams/processors/scheduler.ts reserves p90 × 1.15).
 */
export function checkOnWorkload(programs: readonly WorkloadProgram[], analyzer: Analyzer, estimator: Estimator, reservationMargin: number): WorkloadCheck {
  if (programs.length === 0) throw new RangeError('the workload has no programs to check');
  const features = programs.map((p) => analyzer.analyze(p.code));
  const estimates = estimator.estimate(features);
  const memory = quantityCheck(estimates.map((e) => e.peak_memory_mb), programs.map((p) => p.usage.peakMemoryBytes / MIB));
  return {
    model: estimator.name,
    jobs: programs.length,
    unparsed: features.filter((f) => !f.parsed).length,
    cpu_ms: quantityCheck(estimates.map((e) => e.cpu_ms), programs.map((p) => p.usage.cpuMs)),
    duration_ms: quantityCheck(estimates.map((e) => e.duration_ms), programs.map((p) => p.usage.durationMs)),
    peak_memory_mb: {
      ...memory,
      reservation_margin: reservationMargin,
      coverage_reserved: round(coverage(estimates.map((e) => e.peak_memory_mb.p90 * reservationMargin), programs.map((p) => p.usage.peakMemoryBytes / MIB))),
    },
  };
}

function quantityCheck(predicted: { p50: number; p90: number }[], truth: number[]): QuantityCheck {
  const p50 = predicted.map((q) => q.p50);
  return {
    mean_abs_error: round(p50.reduce((sum, p, i) => sum + Math.abs(p - truth[i]!), 0) / truth.length),
    median_abs_log_error: round(medianAbsLogError(p50, truth)),
    spearman: round(spearman(p50, truth)),
    coverage_p90: round(coverage(predicted.map((q) => q.p90), truth)),
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
