import { quantileOfSorted } from '../forecasting/residual-quantiles';

export interface AdaptiveHeadroomOptions {
  /** Share of recent targets the sized capacity should have covered; default 0.95. */
  coverage?: number;
  /**
   * The day is cut into this many buckets, each calibrated on its own outcomes; default 1 (off).
   * Demand jumps cluster in working hours, but on Bitbrains 24 hourly buckets calibrated on two
   * weeks were noisier than one recent window, so it stays opt-in.
   */
  buckets?: number;
  /** Length of the cycle the buckets divide; default one day. */
  seasonSeconds?: number;
  /** Outcomes remembered per bucket; default 576 (two days of 5-minute steps). */
  window?: number;
  /** Factor used before a bucket has `minOutcomes`; default 1.2. */
  initial?: number;
  minOutcomes?: number;
  /** Bounds on the factor; defaults 1.0 and 3.0. */
  min?: number;
  max?: number;
  /**
   * How an error is scaled before its quantile is taken: 'ratio' (actual / forecast), 'sqrt'
   * (excess over the forecast divided by its square root, the spread of a sum of many independent
   * users) or 'spread' (excess divided by a spread the caller gives with each outcome and
   * request, such as the recent step-to-step change: locally adaptive, so spare follows how jumpy
   * demand is now; 'sqrt' where no spread is given). Default 'spread'.
   */
  scaling?: 'ratio' | 'sqrt' | 'spread';
}

interface Bucket {
  /** Recent scores: ratios, or scaled excesses (see `scaling`). */
  ratios: number[];
  score: number;
  dirty: boolean;
}

/**
 * The feedback loop of the seed: the factor applied to the forecast quantile is the `coverage`
 * quantile of recent actual / forecast ratios at the same time of day (a split-conformal
 * correction). Under-prediction (ratios above 1) raises it, paying money to save latency;
 * over-prediction lowers it. Bounded so one burst cannot run the fleet away, and forgetting so a
 * regime change is absorbed within `window` outcomes.
 */
export class AdaptiveHeadroom {
  private readonly coverage: number;
  private readonly window: number;
  private readonly min: number;
  private readonly max: number;
  private readonly initial: number;
  private readonly minOutcomes: number;
  private readonly bucketSeconds: number;
  private readonly buckets: Bucket[];
  private readonly scaling: 'ratio' | 'sqrt' | 'spread';
  private outcomes = 0;
  private under = 0;

  constructor({ scaling = 'spread', coverage = 0.95, buckets = 1, seasonSeconds = 86_400, window = 576, initial = 1.2, minOutcomes = 10, min = 1, max = 3 }: AdaptiveHeadroomOptions = {}) {
    if (!(coverage > 0 && coverage < 1)) throw new RangeError(`coverage must be in (0, 1), got ${coverage}`);
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buckets must be a positive integer, got ${buckets}`);
    if (!(seasonSeconds > 0)) throw new RangeError(`seasonSeconds must be positive, got ${seasonSeconds}`);
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    if (!(min > 0 && max >= min && initial >= min && initial <= max)) throw new RangeError('need 0 < min <= initial <= max');
    this.coverage = coverage;
    this.scaling = scaling;
    this.window = window;
    this.min = min;
    this.max = max;
    this.initial = initial;
    this.minOutcomes = minOutcomes;
    this.bucketSeconds = seasonSeconds / buckets;
    this.buckets = Array.from({ length: buckets }, () => ({ ratios: [], score: 0, dirty: false }));
  }

  /** Records one outcome for target time `t`: the sized quantile (before headroom), the actual, and the spread the sizing saw. */
  observe(t: number, forecast: number, actual: number, spread?: number): void {
    if (!(forecast > 0) || !Number.isFinite(actual)) return;
    const b = this.bucket(t);
    const ratio = actual / forecast;
    b.ratios.push(this.scaling === 'ratio' ? ratio : (actual - forecast) / this.unit(forecast, spread));
    if (b.ratios.length > this.window) b.ratios.shift();
    b.dirty = true;
    this.outcomes++;
    if (ratio > 1) this.under++;
  }

  /** Multiplier for the forecast quantile `forecast` of target time `t`, given the spread now. */
  factor(t: number, forecast: number, spread?: number): number {
    const b = this.bucket(t);
    if (b.ratios.length < this.minOutcomes || !(forecast > 0)) return this.initial;
    if (b.dirty) {
      b.score = quantileOfSorted(Float64Array.from(b.ratios).sort(), this.coverage);
      b.dirty = false;
    }
    const f = this.scaling === 'ratio' ? b.score : 1 + (b.score * this.unit(forecast, spread)) / forecast;
    return Math.min(this.max, Math.max(this.min, f));
  }

  /** Share of all outcomes so far whose actual exceeded the sized forecast. */
  underPredictionRate(): number {
    return this.outcomes === 0 ? 0 : this.under / this.outcomes;
  }

  get observed(): number {
    return this.outcomes;
  }

  private unit(forecast: number, spread: number | undefined): number {
    return this.scaling === 'spread' && spread !== undefined && spread > 0 ? spread : Math.sqrt(forecast);
  }

  private bucket(t: number): Bucket {
    const n = this.buckets.length;
    const i = ((Math.floor(t / this.bucketSeconds) % n) + n) % n;
    return this.buckets[i]!;
  }
}
