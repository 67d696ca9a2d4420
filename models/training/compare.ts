import { quantileLevels, targets, toLog, type Estimate, type Target } from '../code/samples';

/**
 * Held-out metrics of one code-estimator version, on ln(1 + usage) so every request counts the
 * same whatever its size. The promotion metric is `pinball_log_mean`: the pinball (quantile)
 * loss at p50, p90 and p99, averaged over the three quantiles and the three targets; lower is better.
 */
export interface HeldOutMetrics {
  rows: number;
  pinball_log_mean: number;
  pinball_log_cpu_ms: number;
  pinball_log_peak_memory_mb: number;
  pinball_log_duration_ms: number;
  /** Mean |ln(1 + predicted p50) - ln(1 + measured)| of CPU time. */
  mae_log_cpu_ms: number;
  /** Share of requests whose CPU time was at or below the predicted p90. */
  coverage_p90_cpu_ms: number;
  /**
   * The pinball loss of the memory p90 alone, the quantile the scheduler reserves memory from:
   * the promotion guard (see sizingRefusal).
   */
  pinball_log_p90_peak_memory_mb: number;
  /** Share of requests whose peak memory was at or below the predicted p90. */
  coverage_p90_peak_memory_mb: number;
}

export function heldOutMetrics(predictions: readonly Estimate[], actual: readonly Record<Target, number>[]): HeldOutMetrics {
  if (predictions.length !== actual.length) throw new RangeError(`${predictions.length} predictions for ${actual.length} measurements`);
  if (actual.length === 0) throw new RangeError('no held-out rows to score');
  const pinball = {} as Record<Target, number>;
  for (const t of targets) {
    let sum = 0;
    predictions.forEach((p, i) => {
      const y = toLog(actual[i]![t]);
      const qs = [p[t].p50, p[t].p90, p[t].p99];
      quantileLevels.forEach((level, j) => {
        sum += pinballLoss(level, y - toLog(qs[j]!));
      });
    });
    pinball[t] = sum / (actual.length * quantileLevels.length);
  }
  const mae = predictions.reduce((s, p, i) => s + Math.abs(toLog(p.cpu_ms.p50) - toLog(actual[i]!.cpu_ms)), 0) / actual.length;
  const coverage = (t: Target) => predictions.filter((p, i) => actual[i]![t] <= p[t].p90).length / actual.length;
  const memoryP90Loss = predictions.reduce((sum, p, i) => sum + pinballLoss(0.9, toLog(actual[i]!.peak_memory_mb) - toLog(p.peak_memory_mb.p90)), 0) / actual.length;
  return {
    rows: actual.length,
    pinball_log_mean: (pinball.cpu_ms + pinball.peak_memory_mb + pinball.duration_ms) / targets.length,
    pinball_log_cpu_ms: pinball.cpu_ms,
    pinball_log_peak_memory_mb: pinball.peak_memory_mb,
    pinball_log_duration_ms: pinball.duration_ms,
    mae_log_cpu_ms: mae,
    coverage_p90_cpu_ms: coverage('cpu_ms'),
    pinball_log_p90_peak_memory_mb: memoryP90Loss,
    coverage_p90_peak_memory_mb: coverage('peak_memory_mb'),
  };
}

/** The pinball (quantile) loss at `level` of an error `actual - predicted`. */
export function pinballLoss(level: number, error: number): number {
  return Math.max(level * error, (level - 1) * error);
}

export interface PromotionRule {
  /** Fewest held-out rows scored for both versions before a candidate may replace the current one. */
  minComparedRows: number;
  /** Relative improvement of `pinball_log_mean` required (0: any strict improvement). */
  minImprovement: number;
  /** How much worse, relatively, the memory p90's loss may get (see sizingRefusal); default SIZING_LOSS_TOLERANCE. */
  sizingLossTolerance?: number;
}

/** A candidate's loss at the quantile a decision is sized from may be this much worse, relatively: noise, not a trend. */
export const SIZING_LOSS_TOLERANCE = 0.02;

/**
 * Why a candidate that is better on average must still not replace the current version, if it is
 * worse at the one quantile a decision is sized from (memory reserved per job at the p90, capacity
 * scaled out ahead of the p90 forecast): an average over quantiles and resources can improve
 * while that one gets worse, and what it sizes is then short, or wasted, more often. Undefined
 * when it is no more than `tolerance` worse there.
 */
export function sizingRefusal(metric: string, candidate: number, current: number, tolerance = SIZING_LOSS_TOLERANCE): string | undefined {
  if (candidate <= current * (1 + tolerance)) return undefined;
  return `${metric} ${candidate.toFixed(4)} vs current ${current.toFixed(4)}, more than ${Math.round(tolerance * 100)}% worse`;
}

export interface Decision {
  promoted: boolean;
  reason: string;
}

/**
 * A candidate replaces the current version only when it is better on the same held-out rows, and
 * not worse where memory is reserved (sizingRefusal).
 */
export function decidePromotion(candidate: HeldOutMetrics, current: HeldOutMetrics | undefined, rule: PromotionRule): Decision {
  if (!current || current.rows < rule.minComparedRows) {
    return { promoted: false, reason: `the current version was scored on ${current?.rows ?? 0} held-out rows, fewer than ${rule.minComparedRows}` };
  }
  if (candidate.rows !== current.rows) throw new RangeError(`versions scored on different rows (${candidate.rows} and ${current.rows})`);
  const bar = current.pinball_log_mean * (1 - rule.minImprovement);
  const verdict = `pinball_log_mean ${candidate.pinball_log_mean.toFixed(4)} vs current ${current.pinball_log_mean.toFixed(4)}`;
  if (!(candidate.pinball_log_mean < bar)) return { promoted: false, reason: `not better: ${verdict}` };
  const refusal = sizingRefusal('pinball_log_p90_peak_memory_mb', candidate.pinball_log_p90_peak_memory_mb, current.pinball_log_p90_peak_memory_mb, rule.sizingLossTolerance);
  return refusal ? { promoted: false, reason: `better on average but worse where memory is reserved: ${verdict}; ${refusal}` } : { promoted: true, reason: `better: ${verdict}` };
}
