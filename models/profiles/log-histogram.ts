/**
 * A log-bucketed histogram (DDSketch-style: Masson, Rim, Lee, VLDB 2019) living in a slice of a
 * shared Float32Array so a profile is one allocation. Bucket k holds values in (g^(k-1), g^k] with
 * g = (1+a)/(1-a), so any quantile is returned within relative error a. A fixed number of buckets
 * slides over the value range; when a value falls above the window, the lowest buckets collapse
 * into the first one (low quantiles lose accuracy, the high ones that size resources keep it).
 * Weights are whatever the caller adds (forward-decayed in profiles).
 *
 * Slice layout: [minKey, zeroWeight, b_0 .. b_(n-1)]; minKey is UNSET_KEY until the first positive
 * value (a number, not NaN, so a snapshot survives JSON).
 */
export const UNSET_KEY = -16_777_216;

export class LogHistogramLayout {
  readonly gamma: number;
  private readonly logGamma: number;
  readonly size: number;

  constructor(readonly buckets: number, readonly relativeAccuracy: number) {
    if (!Number.isInteger(buckets) || buckets < 4 || buckets > 4096) throw new RangeError(`histogram buckets must be an integer in 4..4096, got ${buckets}`);
    if (!(relativeAccuracy > 0 && relativeAccuracy < 0.5)) throw new RangeError(`relativeAccuracy must be in (0, 0.5), got ${relativeAccuracy}`);
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    this.size = buckets + 2;
  }

  /** Values at or below this count as zero (a 0 ms job is real; log(0) is not). */
  static readonly ZERO = 1e-9;

  key(value: number): number {
    return Math.ceil(Math.log(value) / this.logGamma);
  }

  /** The value reported for bucket `key`: the point within relative error a of all its members. */
  value(key: number): number {
    return (2 * Math.pow(this.gamma, key)) / (this.gamma + 1);
  }

  clear(d: Float32Array, at: number): void {
    d.fill(0, at, at + this.size);
    d[at] = UNSET_KEY;
  }

  add(d: Float32Array, at: number, value: number, weight: number): void {
    if (value <= LogHistogramLayout.ZERO) { d[at + 1]! += weight; return; }
    this.addAtKey(d, at, this.key(value), weight);
  }

  addAtKey(d: Float32Array, at: number, key: number, weight: number): void {
    const n = this.buckets;
    let minKey = d[at]!;
    if (minKey === UNSET_KEY) {
      // Start with the value in the upper middle so there is room on both sides.
      minKey = key - (n >> 1);
      d[at] = minKey;
    }
    if (key >= minKey + n) {
      const shift = key - (minKey + n - 1);
      this.slideUp(d, at, shift);
      minKey += shift;
    } else if (key < minKey) {
      const room = n - 1 - this.highestUsed(d, at);
      const shift = Math.min(minKey - key, room);
      if (shift > 0) { this.slideDown(d, at, shift); minKey -= shift; }
      if (key < minKey) key = minKey; // out of room: collapse into the lowest bucket
    }
    d[at + 2 + key - minKey]! += weight;
  }

  private highestUsed(d: Float32Array, at: number): number {
    for (let i = this.buckets - 1; i >= 0; i--) if (d[at + 2 + i]! !== 0) return i;
    return -1;
  }

  private slideUp(d: Float32Array, at: number, shift: number): void {
    const n = this.buckets;
    const b = at + 2;
    // New bucket 0 is old bucket `shift`; everything below it collapses into it.
    let collapsed = 0;
    for (let i = 0; i <= Math.min(shift, n - 1); i++) collapsed += d[b + i]!;
    if (shift < n) {
      d.copyWithin(b, b + shift, b + n);
      d.fill(0, b + n - shift, b + n);
    } else {
      d.fill(0, b, b + n);
    }
    d[b] = collapsed;
    d[at]! += shift;
  }

  private slideDown(d: Float32Array, at: number, shift: number): void {
    const b = at + 2;
    d.copyWithin(b + shift, b, b + this.buckets - shift);
    d.fill(0, b, b + shift);
    d[at]! -= shift;
  }

  total(d: Float32Array, at: number): number {
    let t = 0;
    for (let i = 1; i < this.size; i++) t += d[at + i]!;
    return t;
  }

  /** Adds `src` (times `scale`) into `dst`; the windows may differ. */
  merge(dst: Float32Array, dstAt: number, src: Float32Array, srcAt: number, scale: number): void {
    dst[dstAt + 1]! += src[srcAt + 1]! * scale;
    const srcMin = src[srcAt]!;
    if (srcMin === UNSET_KEY) return;
    // Highest keys first so the window settles on the top of the range before lower ones land.
    for (let i = this.buckets - 1; i >= 0; i--) {
      const w = src[srcAt + 2 + i]!;
      if (w !== 0) this.addAtKey(dst, dstAt, srcMin + i, w * scale);
    }
  }

  /**
   * The q-quantile of the weighted values, optionally blended with `prior` weights (already
   * scaled by the caller). NaN when there is no weight at all.
   */
  quantile(d: Float32Array, at: number, q: number, prior?: { d: Float32Array; at: number; scale: number }): number {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    const minKey = d[at]!;
    const pMin = prior ? prior.d[prior.at]! : UNSET_KEY;
    let lo = Infinity;
    let hi = -Infinity;
    if (minKey !== UNSET_KEY) { lo = minKey; hi = minKey + this.buckets - 1; }
    if (prior && pMin !== UNSET_KEY) { lo = Math.min(lo, pMin); hi = Math.max(hi, pMin + this.buckets - 1); }
    const weightAt = (key: number) => {
      let w = 0;
      if (minKey !== UNSET_KEY && key >= minKey && key < minKey + this.buckets) w += d[at + 2 + key - minKey]!;
      if (prior && pMin !== UNSET_KEY && key >= pMin && key < pMin + this.buckets) w += prior.d[prior.at + 2 + key - pMin]! * prior.scale;
      return w;
    };
    const zero = d[at + 1]! + (prior ? prior.d[prior.at + 1]! * prior.scale : 0);
    let total = zero;
    for (let k = lo; k <= hi; k++) total += weightAt(k);
    if (!(total > 0)) return NaN;
    const rank = q * total;
    let seen = zero;
    if (seen >= rank && zero > 0) return 0;
    for (let k = lo; k <= hi; k++) {
      seen += weightAt(k);
      if (seen >= rank) return this.value(k);
    }
    return this.value(hi);
  }
}
