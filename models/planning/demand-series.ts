import type { Series } from '../forecasting/forecaster';

/**
 * The planner's own view of demand on a regular grid: the training history, then the mean of the
 * samples it observes in each step. The step being observed holds its mean so far, so a forecast
 * made mid-step starts from the freshest level. Grows by doubling.
 */
export class DemandSeries {
  readonly startSeconds: number;
  readonly stepSeconds: number;
  private values: Float64Array;
  private length: number;
  private sampleSum = 0;
  private sampleCount = 0;
  private sampleStep = -1;

  constructor(history: Series) {
    if (!(history.stepSeconds > 0)) throw new RangeError(`stepSeconds must be positive, got ${history.stepSeconds}`);
    this.startSeconds = history.startSeconds;
    this.stepSeconds = history.stepSeconds;
    this.length = history.values.length;
    this.values = new Float64Array(Math.max(16, this.length * 2)).fill(NaN);
    this.values.set(history.values);
  }

  /** Index of the step holding event time `t` (may be past the end). */
  stepOf(t: number): number {
    return Math.floor((t - this.startSeconds) / this.stepSeconds);
  }

  /** Adds a sample of the demand around time `t`; steps skipped since the last sample stay NaN. */
  add(t: number, cores: number): void {
    const i = this.stepOf(t);
    if (i < 0) return;
    if (i < this.sampleStep) throw new RangeError(`demand sample at ${t} goes back in time`);
    if (i !== this.sampleStep) {
      this.sampleStep = i;
      this.sampleSum = 0;
      this.sampleCount = 0;
    }
    this.sampleSum += cores;
    this.sampleCount++;
    this.ensure(i + 1);
    this.values[i] = this.sampleSum / this.sampleCount;
  }

  /** Index of the newest step with a sample (the forecast origin), or the history's last step. */
  get lastIndex(): number {
    return Math.max(this.sampleStep, this.length - 1);
  }

  at(i: number): number {
    return i >= 0 && i < this.length ? this.values[i]! : NaN;
  }

  /** A Series view of steps [0, lastIndex]; shares memory, valid until the next `add`. */
  view(): Series {
    return { startSeconds: this.startSeconds, stepSeconds: this.stepSeconds, values: this.values.subarray(0, this.lastIndex + 1) };
  }

  private ensure(n: number): void {
    if (n > this.values.length) {
      const grown = new Float64Array(Math.max(n, this.values.length * 2)).fill(NaN);
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
    }
    if (n > this.length) this.length = n;
  }
}
