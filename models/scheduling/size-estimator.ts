import type { DurationForecast } from './job';

export interface SizeEstimatorOptions {
  /** Weight of the newest observation in the per-user log-duration EWMA; default 0.3. */
  alpha?: number;
  /** Observations before a user's own estimate replaces the population's; default 3. */
  minObservations?: number;
}

interface Moments {
  mean: number;
  variance: number;
  n: number;
}

const Z90 = 1.2816;

/**
 * Online run-time predictor: per user, an exponentially weighted mean and variance of log
 * duration (run times are log-normal-ish), falling back to the population's until a user has a
 * few completions. Quantiles come from the log-normal, so p90 grows with the user's volatility.
 */
export class SizeEstimator {
  private readonly alpha: number;
  private readonly minObservations: number;
  private readonly users = new Map<string, Moments>();
  private readonly population: Moments = { mean: Math.log(60), variance: 1, n: 0 };

  constructor({ alpha = 0.3, minObservations = 3 }: SizeEstimatorOptions = {}) {
    if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`alpha must be in (0, 1], got ${alpha}`);
    this.alpha = alpha;
    this.minObservations = minObservations;
  }

  predict(user: string): DurationForecast {
    const u = this.users.get(user);
    const m = u && u.n >= this.minObservations ? u : this.population;
    const sd = Math.sqrt(Math.max(m.variance, 1e-6));
    return { p50: Math.exp(m.mean), p90: Math.exp(m.mean + Z90 * sd) };
  }

  observe(user: string, durationSeconds: number): void {
    // One NaN would poison the population's moments, and with them every user's estimate for good.
    if (!(durationSeconds >= 0) || !Number.isFinite(durationSeconds)) throw new RangeError(`duration must be a finite number >= 0 seconds, got ${durationSeconds}`);
    const x = Math.log(Math.max(durationSeconds, 1));
    let u = this.users.get(user);
    if (!u) {
      u = { mean: x, variance: this.population.variance, n: 0 };
      this.users.set(user, u);
    }
    update(u, x, this.alpha);
    update(this.population, x, 0.01);
  }
}

function update(m: Moments, x: number, alpha: number): void {
  const d = x - m.mean;
  m.mean += alpha * d;
  m.variance = (1 - alpha) * (m.variance + alpha * d * d);
  m.n++;
}
