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
        const diff = y - toLog(qs[j]!);
        sum += Math.max(level * diff, (level - 1) * diff);
      });
    });
    pinball[t] = sum / (actual.length * quantileLevels.length);
  }
  const mae = predictions.reduce((s, p, i) => s + Math.abs(toLog(p.cpu_ms.p50) - toLog(actual[i]!.cpu_ms)), 0) / actual.length;
  const covered = predictions.filter((p, i) => actual[i]!.cpu_ms <= p.cpu_ms.p90).length / actual.length;
  return {
    rows: actual.length,
    pinball_log_mean: (pinball.cpu_ms + pinball.peak_memory_mb + pinball.duration_ms) / targets.length,
    pinball_log_cpu_ms: pinball.cpu_ms,
    pinball_log_peak_memory_mb: pinball.peak_memory_mb,
    pinball_log_duration_ms: pinball.duration_ms,
    mae_log_cpu_ms: mae,
    coverage_p90_cpu_ms: covered,
  };
}

export interface PromotionRule {
  /** Fewest held-out rows scored for both versions before a candidate may replace the current one. */
  minComparedRows: number;
  /** Relative improvement of `pinball_log_mean` required (0: any strict improvement). */
  minImprovement: number;
}

export interface Decision {
  promoted: boolean;
  reason: string;
}

/** A candidate replaces the current version only when it is better on the same held-out rows. */
export function decidePromotion(candidate: HeldOutMetrics, current: HeldOutMetrics | undefined, rule: PromotionRule): Decision {
  if (!current || current.rows < rule.minComparedRows) {
    return { promoted: false, reason: `the current version was scored on ${current?.rows ?? 0} held-out rows, fewer than ${rule.minComparedRows}` };
  }
  if (candidate.rows !== current.rows) throw new RangeError(`versions scored on different rows (${candidate.rows} and ${current.rows})`);
  const bar = current.pinball_log_mean * (1 - rule.minImprovement);
  const verdict = `pinball_log_mean ${candidate.pinball_log_mean.toFixed(4)} vs current ${current.pinball_log_mean.toFixed(4)}`;
  return candidate.pinball_log_mean < bar ? { promoted: true, reason: `better: ${verdict}` } : { promoted: false, reason: `not better: ${verdict}` };
}
