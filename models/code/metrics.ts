/** Spearman rank correlation (average ranks for ties). NaN when either side is constant. */
export function spearman(a: number[], b: number[]): number {
  if (a.length !== b.length) throw new RangeError('spearman needs equal lengths');
  return pearson(ranks(a), ranks(b));
}

function ranks(xs: number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(xs.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) out[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return out;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

/** Linear-interpolated empirical quantile. */
export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((x, y) => x - y);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Median of |ln(1 + predicted) - ln(1 + actual)|: 0.69 means typically off by a factor of two. */
export function medianAbsLogError(predicted: number[], actual: number[]): number {
  return median(predicted.map((p, i) => Math.abs(Math.log1p(Math.max(0, p)) - Math.log1p(Math.max(0, actual[i]!)))));
}

/** Share of actual values at or below the predicted quantile. */
export function coverage(bound: number[], actual: number[]): number {
  return actual.filter((a, i) => a <= bound[i]!).length / actual.length;
}
