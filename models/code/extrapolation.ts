import { featureVector } from './features';
import { targets, type Estimate, type Target } from './samples';

/** Per-feature range of the training inputs (unscaled feature vectors, in featureVector order). */
export interface FeatureDomain {
  lower: number[];
  upper: number[];
}

/**
 * The features that measure how much work (CPU, duration) or data (memory) a program has, each
 * log10(1 + size): one step beyond the training range is ten times the largest size trained on.
 */
const workSize = ['log_estimated_ops', 'log_max_loop_bound'];
const dataSize = ['log_max_allocation_size', 'log_estimated_allocations'];
const positions = (names: string[]) => names.map((name) => {
  const j = featureVector.findIndex((f) => f.name === name);
  if (j < 0) throw new Error(`extrapolation: no feature named ${name}`);
  return j;
});
const workColumns = positions(workSize);
const dataColumns = positions(dataSize);
const sizeColumns = [...workColumns, ...dataColumns];
/** The size features each target grows with (duration with the work, as CPU does). */
export const sizeFeaturesOf: Record<Target, readonly string[]> = { cpu_ms: workSize, duration_ms: workSize, peak_memory_mb: dataSize };
const columnsOf: Record<Target, readonly number[]> = { cpu_ms: workColumns, duration_ms: workColumns, peak_memory_mb: dataColumns };

export function fitDomain(xs: readonly number[][]): FeatureDomain {
  if (xs.length === 0) throw new RangeError('a feature domain needs at least one sample');
  const d = xs[0]!.length;
  const lower = new Array<number>(d).fill(Infinity);
  const upper = new Array<number>(d).fill(-Infinity);
  for (const x of xs) {
    for (let j = 0; j < d; j++) {
      lower[j] = Math.min(lower[j]!, x[j]!);
      upper[j] = Math.max(upper[j]!, x[j]!);
    }
  }
  return { lower, upper };
}

/**
 * The input a model is asked about in place of `x` for one target, and the decades of size it
 * leaves out. A program bigger than any trained on (in the sizes the target grows with) is taken
 * as the same program scaled down, whole, to the largest size trained on: every size feature is
 * lowered by the target's largest excess. Whole, because sizes grow together (a loop's trips, the
 * operations it does, the arrays it fills): lowering only the one that overflows would leave the
 * others telling the model the program is as big as before, and lowering each by its own excess
 * would count the growth twice. Then every feature is clamped into the range, so the model is
 * only read where it has evidence.
 */
export function pullIntoDomain(domain: FeatureDomain, x: readonly number[], target: Target): { x: number[]; decades: number } {
  const decades = Math.max(0, ...columnsOf[target].map((j) => x[j]! - domain.upper[j]!));
  const pulled = x.map((v, j) => {
    const lowered = sizeColumns.includes(j) ? v - decades : v;
    return Math.min(domain.upper[j]!, Math.max(domain.lower[j]!, lowered));
  });
  return { x: pulled, decades };
}

/**
 * Wraps a model so that beyond its training range it extrapolates in proportion to size: the
 * model answers for the program pulled into the range (pullIntoDomain), and its quantiles are
 * multiplied by the size left out, 10× per decade. Cost linear in the work or data is the one
 * assumption that needs no evidence the corpus lacks, and what the model learned about the
 * program's shape is kept, read at the edge of what it saw. Neither model extrapolates so by
 * itself: a quantile MLP read beyond its inputs saturates or swings, and the log-ridge slopes of
 * usage on size are far below proportional (noisy size estimates in the corpus flatten them).
 */
export function guardDomain(domain: FeatureDomain, predict: (xs: number[][]) => Estimate[]): (xs: number[][]) => Estimate[] {
  return (xs) => {
    const pulled = new Map(targets.map((t) => [t, xs.map((x) => pullIntoDomain(domain, x, t))]));
    const moved = [...pulled.values()].some((ps) => ps.some((p, i) => p.x.some((v, j) => v !== xs[i]![j])));
    if (!moved) return predict(xs);
    // CPU and duration grow with the same sizes: their pulled inputs are one model call.
    const calls = new Map<readonly number[], Estimate[]>();
    const out = xs.map(() => ({}) as Estimate);
    for (const t of targets) {
      const ps = pulled.get(t)!;
      const inside = calls.get(columnsOf[t]) ?? predict(ps.map((p) => p.x));
      calls.set(columnsOf[t], inside);
      inside.forEach((e, i) => {
        const factor = 10 ** ps[i]!.decades;
        out[i]![t] = { p50: e[t].p50 * factor, p90: e[t].p90 * factor, p99: e[t].p99 * factor };
      });
    }
    return out;
  };
}
