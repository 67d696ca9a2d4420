/** Delays weighted by the work (core-seconds or jobs) that waited them; exact weighted quantiles. */
export class WeightedSamples {
  private readonly weights = new Map<number, number>();
  private total = 0;

  add(value: number, weight: number): void {
    if (!(weight > 0)) return;
    this.weights.set(value, (this.weights.get(value) ?? 0) + weight);
    this.total += weight;
  }

  get totalWeight(): number {
    return this.total;
  }

  /** Smallest value v with (weight of values <= v) >= q x total; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const sorted = [...this.weights.entries()].sort((a, b) => a[0] - b[0]);
    let acc = 0;
    for (const [v, w] of sorted) {
      acc += w;
      if (acc >= q * this.total - 1e-9 * this.total) return v;
    }
    return sorted[sorted.length - 1]![0];
  }

  /** Share of weight strictly above `threshold`. */
  fractionAbove(threshold: number): number {
    if (this.total === 0) return 0;
    let above = 0;
    for (const [v, w] of this.weights) if (v > threshold) above += w;
    return above / this.total;
  }

  max(): number {
    let m = 0;
    for (const v of this.weights.keys()) if (v > m) m = v;
    return m;
  }
}
