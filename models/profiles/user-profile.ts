import { LogHistogramLayout } from './log-histogram';

/** Profile settings; one set per deployment (a snapshot carries them so a mismatch is caught). */
export interface ProfileConfig {
  /** Half-life of the usage histograms and inter-arrival statistics. Default 24 h (Autopilot/VPA use 12-48 h). */
  usageHalfLifeSeconds: number;
  /** Half-life of the hour-of-day / day-of-week arrival counts. Default 7 days: weekly shape needs weeks. */
  rateHalfLifeSeconds: number;
  /** Buckets per histogram. Default 56: with 8 % accuracy they span a 7,900x range of values. */
  buckets: number;
  /** Relative error of every reported quantile within the histogram window. Default 0.08. */
  relativeAccuracy: number;
  /** How far behind the last event an event may arrive and still count. Default 1 h. */
  maxLatenessSeconds: number;
  /**
   * Most executions (events with an `id`) a profile remembers to recognise a redelivery within
   * `maxLatenessSeconds`. Default 256 (16 bytes each when stored). For a user with more executions
   * than this within the lateness window, the earliest are forgotten: an execution not remembered
   * is always recorded, so a redelivery of a forgotten one is counted again (see
   * `ProfileModel.update`). Nothing is ever refused for want of memory.
   */
  redeliveryMemory: number;
}

export const DEFAULT_PROFILE_CONFIG: ProfileConfig = {
  usageHalfLifeSeconds: 86_400, rateHalfLifeSeconds: 7 * 86_400, buckets: 56, relativeAccuracy: 0.08, maxLatenessSeconds: 3_600, redeliveryMemory: 256,
};

/** One finished job (or request) of a user; absent usage fields are simply not recorded. */
export interface UsageEvent {
  /** Event time, epoch seconds (the job's start: arrivals are counted at this time). */
  timeSeconds: number;
  /**
   * What identifies this one execution (e.g. its request id and attempt). With it, a redelivery
   * is recognised while the execution is remembered (within `maxLatenessSeconds` and
   * `redeliveryMemory`); without it, only an exact repeat of the last event.
   */
  id?: string;
  cpuMs?: number;
  peakMemoryMb?: number;
  ioMb?: number;
  durationMs?: number;
}

export const USAGE_METRICS = ['cpuMs', 'peakMemoryMb', 'ioMb', 'durationMs'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];
/** Histograms kept per profile: the usage metrics plus inter-arrival time. */
export type ProfileMetric = UsageMetric | 'interArrivalSeconds';
export const PROFILE_METRICS: readonly ProfileMetric[] = [...USAGE_METRICS, 'interArrivalSeconds'];

export class ProfileInputError extends Error {
  override name = 'ProfileInputError';
}

/** What `update` did with an event: recorded, recorded out of order, or dropped as a redelivery. */
export type UpdateOutcome = 'recorded' | 'late' | 'duplicate';

export function checkProfileConfig(c: ProfileConfig): void {
  if (!(c.usageHalfLifeSeconds > 0) || !(c.rateHalfLifeSeconds > 0)) throw new RangeError('profile half-lives must be positive seconds');
  if (!(c.maxLatenessSeconds >= 0)) throw new RangeError('maxLatenessSeconds must be >= 0');
  if (!(Number.isInteger(c.redeliveryMemory) && c.redeliveryMemory >= 0)) throw new RangeError('redeliveryMemory must be an integer >= 0');
  new LogHistogramLayout(c.buckets, c.relativeAccuracy);
}

/** Offsets of each part in a profile's single Float32Array. */
export class ProfileLayout {
  readonly histogram: LogHistogramLayout;
  readonly histogramAt: Record<ProfileMetric, number>;
  readonly hourArrivals: number;
  readonly dayArrivals: number;
  readonly hourCpu: number;
  readonly dayCpu: number;
  /** End of the usage-decayed part (histograms); the calendar part follows, decayed by the rate half-life. */
  readonly usageEnd: number;
  readonly size: number;

  constructor(c: ProfileConfig) {
    this.histogram = new LogHistogramLayout(c.buckets, c.relativeAccuracy);
    const h = this.histogram.size;
    this.histogramAt = Object.fromEntries(PROFILE_METRICS.map((m, i) => [m, i * h])) as Record<ProfileMetric, number>;
    this.usageEnd = PROFILE_METRICS.length * h;
    this.hourArrivals = this.usageEnd;
    this.dayArrivals = this.hourArrivals + 24;
    this.hourCpu = this.dayArrivals + 7;
    this.dayCpu = this.hourCpu + 24;
    this.size = this.dayCpu + 7;
  }
}

/**
 * Mutable per-user state the profiler keeps (one Float32Array plus a few numbers). Exponential
 * decay is forward decay (Cormode et al., ICDE 2009): an event at t adds weight 2^((t-L)/H) for
 * a landmark L, so an update touches only the buckets it lands in, out-of-order events get
 * exactly their own weight, and reading at time T divides by 2^((T-L)/H).
 */
export interface ProfileState {
  data: Float32Array;
  landmarkSeconds: number;
  firstSeenSeconds: number;
  lastSeenSeconds: number;
  events: number;
  lateEvents: number;
  duplicateEvents: number;
  /** Forward-decayed event weights: usage half-life and rate half-life. */
  usageWeight: number;
  rateWeight: number;
  /** Forward-decayed sums of inter-arrival seconds (weight, sum, sum of squares). */
  gapWeight: number;
  gapSum: number;
  gapSquares: number;
  /** The last in-order event, to recognise an exact redelivery of an event without an id. */
  last: [number, number, number, number, number];
  /**
   * Executions recorded within `maxLatenessSeconds` of the last event: 53-bit hashes of their ids
   * and their event times, in parallel, ascending by time; at most `redeliveryMemory` of them.
   */
  recentIds: number[];
  recentTimes: number[];
}
