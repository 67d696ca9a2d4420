/** Nearest-rank quantile of unsorted samples (copied and sorted); NaN when there are none. */
export function quantile(samples: ArrayLike<number>, q: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * How many samples fell on each whole millisecond: a quantile over a million records that crosses
 * a pipe as a few hundred entries, and whose instances merge by adding.
 */
export type MsCounts = Record<string, number>;

export function countMs(counts: MsCounts, ms: number): void {
  const key = String(Math.round(ms));
  counts[key] = (counts[key] ?? 0) + 1;
}

export function mergeMsCounts(a: MsCounts, b: MsCounts): MsCounts {
  const merged = { ...a };
  for (const [ms, n] of Object.entries(b)) merged[ms] = (merged[ms] ?? 0) + n;
  return merged;
}

/** Nearest-rank quantile, as `quantile` over the samples counted; NaN when there are none. */
export function quantileOfCounts(counts: MsCounts, q: number): number {
  const values = Object.entries(counts).map(([ms, n]) => [Number(ms), n] as const).sort((x, y) => x[0] - y[0]);
  const total = values.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return NaN;
  const rank = Math.min(total, Math.max(1, Math.ceil(q * total)));
  let seen = 0;
  for (const [ms, n] of values) {
    seen += n;
    if (seen >= rank) return ms;
  }
  return values[values.length - 1]![0];
}

/**
 * Records per second in steady state, from the arrival times (ms, ascending) of the records
 * read: the first and last `trim` of them are left out, so start-up (group join, task restore)
 * and the tail of a drained backlog do not count. `seconds` is how long that steady window
 * lasted, which says how much the rate can be trusted. NaN with too few records to tell.
 */
export function steadyRate(arrivalsMs: ArrayLike<number>, trim = 0.1): { perSecond: number; seconds: number } {
  const n = arrivalsMs.length;
  const from = Math.floor(n * trim);
  const to = Math.max(from, Math.ceil(n * (1 - trim)) - 1);
  const spanMs = n > 0 ? arrivalsMs[to]! - arrivalsMs[from]! : NaN;
  if (n < 20 || !(spanMs > 0)) return { perSecond: NaN, seconds: Number.isFinite(spanMs) ? spanMs / 1000 : NaN };
  return { perSecond: ((to - from) * 1000) / spanMs, seconds: spanMs / 1000 };
}

/** A growable Float64 series: millions of samples without an array of boxed numbers. */
export class Series {
  private data = new Float64Array(1024);
  length = 0;

  push(x: number): void {
    if (this.length === this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}
