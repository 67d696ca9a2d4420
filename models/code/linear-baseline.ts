import { quantile } from './metrics';
import { fromLog, quantileLevels, scale, targets, toLog, type Estimate, type Sample, type Scaler, type Target } from './samples';

/**
 * The gradient-free baseline: ridge regression on ln(1 + usage) per target, solved in closed
 * form, with quantiles from the training residuals. Always available; the learned model is
 * only used where it beats this on held-out programs.
 */
export interface LinearBaseline {
  kind: 'log-ridge';
  weights: Record<Target, number[]>;
  /** Training residual quantiles (log scale) at the 0.5, 0.9 and 0.99 levels. */
  residuals: Record<Target, number[]>;
}

export function fitLinearBaseline(train: Sample[], scaler: Scaler, lambda = 1): LinearBaseline {
  const xs = train.map((s) => [1, ...scale(scaler, s.x)]);
  const weights = {} as Record<Target, number[]>;
  const residuals = {} as Record<Target, number[]>;
  for (const t of targets) {
    const ys = train.map((s) => toLog(s.y[t]));
    const w = ridge(xs, ys, lambda);
    const r = xs.map((x, i) => ys[i]! - dot(w, x));
    weights[t] = w;
    residuals[t] = quantileLevels.map((q) => quantile(r, q));
  }
  return { kind: 'log-ridge', weights, residuals };
}

export function predictLinear(model: LinearBaseline, scaler: Scaler, x: number[]): Estimate {
  const row = [1, ...scale(scaler, x)];
  const out = {} as Estimate;
  for (const t of targets) {
    const centre = dot(model.weights[t], row);
    const [q50, q90, q99] = model.residuals[t].map((r) => fromLog(centre + r)) as [number, number, number];
    out[t] = { p50: q50, p90: Math.max(q50, q90), p99: Math.max(q50, q90, q99) };
  }
  return out;
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Solves (XᵀX + λI) w = Xᵀy by Gauss-Jordan elimination with partial pivoting (the intercept is not penalised). */
function ridge(xs: number[][], ys: number[], lambda: number): number[] {
  const d = xs[0]!.length;
  const a = Array.from({ length: d }, (_, i) => Array.from({ length: d + 1 }, (_, j) => {
    if (j === d) return xs.reduce((s, x, k) => s + x[i]! * ys[k]!, 0);
    return xs.reduce((s, x) => s + x[i]! * x[j]!, 0) + (i === j && i > 0 ? lambda : 0);
  }));
  for (let c = 0; c < d; c++) {
    let p = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    const pivot = a[c]![c]! || 1e-12;
    for (let j = c; j <= d; j++) a[c]![j]! /= pivot;
    for (let r = 0; r < d; r++) {
      if (r === c) continue;
      const f = a[r]![c]!;
      if (f !== 0) for (let j = c; j <= d; j++) a[r]![j]! -= f * a[c]![j]!;
    }
  }
  return a.map((row) => row[d]!);
}
