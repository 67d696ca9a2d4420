import {
  checkProfileConfig, DEFAULT_PROFILE_CONFIG, ProfileInputError, ProfileLayout, USAGE_METRICS,
  type ProfileConfig, type ProfileMetric, type ProfileState, type UpdateOutcome, type UsageEvent,
} from './user-profile';

const HOUR = 3_600;
const DAY = 86_400;
/** Rebase the landmark before forward weights pass 2^60: Float32 holds up to 2^127, sums need headroom. */
const MAX_HALF_LIVES_FROM_LANDMARK = 60;
/** Exposure older than this many half-lives weighs < 1e-9 and is not summed. */
const EXPOSURE_HALF_LIVES = 30;

/** Shrinkage towards a population prior: the prior counts as this many of the user's own events. */
export interface PriorOptions {
  prior: ProfileState;
  /** Pseudo-events the prior is worth; default 5. A user with 50 recent events is ~90 % their own. */
  strength?: number;
}

/**
 * Operations on profile states under one configuration. Pure: time is the event time passed in,
 * nothing reads a clock. Bad input throws ProfileInputError and leaves the state untouched.
 */
export class ProfileModel {
  readonly config: ProfileConfig;
  readonly layout: ProfileLayout;

  constructor(config: Partial<ProfileConfig> = {}) {
    this.config = { ...DEFAULT_PROFILE_CONFIG, ...config };
    checkProfileConfig(this.config);
    this.layout = new ProfileLayout(this.config);
  }

  create(): ProfileState {
    const data = new Float32Array(this.layout.size);
    for (const at of Object.values(this.layout.histogramAt)) this.layout.histogram.clear(data, at);
    return {
      data, landmarkSeconds: NaN, firstSeenSeconds: NaN, lastSeenSeconds: NaN, events: 0, lateEvents: 0, duplicateEvents: 0,
      usageWeight: 0, rateWeight: 0, gapWeight: 0, gapSum: 0, gapSquares: 0, last: [NaN, NaN, NaN, NaN, NaN],
      recentIds: [], recentTimes: [],
    };
  }

  /** A deep copy: updating it leaves `s` as it was. */
  copy(s: ProfileState): ProfileState {
    return { ...s, data: s.data.slice(), last: [...s.last], recentIds: [...s.recentIds], recentTimes: [...s.recentTimes] };
  }

  /**
   * Records one event. Policy for imperfect streams (documented repair, never silent):
   * - a non-finite time or a NaN/negative/infinite usage value throws ProfileInputError;
   * - an event older than the last one by more than `maxLatenessSeconds` throws ProfileInputError
   *   (route it to the dead-letter topic);
   * - a redelivery is dropped, counted in `duplicateEvents`, and returns 'duplicate': an event
   *   whose `id` is remembered (the profile remembers the ids of the executions within the
   *   lateness window, whatever their order, at most `redeliveryMemory` of them), or, for an event
   *   without an id, an exact repeat of the last event (same time and values);
   * - an event whose `id` is not remembered is always recorded, by the rules below. Trade-off:
   *   a redelivery of an execution already forgotten (for want of room, when more than
   *   `redeliveryMemory` came within the lateness window, or because the profile was restored
   *   from a snapshot without remembered executions) is counted again. That is rare and costs
   *   one extra observation; refusing such events instead would dead-letter real telemetry of
   *   the busiest users and of every profile right after an upgrade;
   * - an event up to `maxLatenessSeconds` older than the last one is recorded with its own decay
   *   weight but does not touch inter-arrival statistics (its gap is unknown): returns 'late'.
   * `firstSeenSeconds` is the earliest time recorded, whatever the order of arrival.
   */
  update(s: ProfileState, e: UsageEvent): UpdateOutcome {
    const t = e.timeSeconds;
    if (!Number.isFinite(t)) throw new ProfileInputError(`event time must be finite epoch seconds, got ${t}`);
    for (const m of USAGE_METRICS) {
      const v = e[m];
      if (v !== undefined && !(v >= 0 && v < Infinity)) throw new ProfileInputError(`${m} must be a finite number >= 0, got ${v}`);
    }
    const late = s.events > 0 && t < s.lastSeenSeconds;
    if (late && s.lastSeenSeconds - t > this.config.maxLatenessSeconds) {
      throw new ProfileInputError(`event at ${t} is ${s.lastSeenSeconds - t}s older than the last one (limit ${this.config.maxLatenessSeconds}s)`);
    }
    const id = e.id === undefined ? undefined : executionHash(e.id);
    if (id === undefined ? s.events > 0 && isRepeat(s.last, e) : s.recentIds.includes(id)) { s.duplicateEvents++; return 'duplicate'; }

    if (Number.isNaN(s.landmarkSeconds)) s.landmarkSeconds = t;
    else if ((t - s.landmarkSeconds) / Math.min(this.config.usageHalfLifeSeconds, this.config.rateHalfLifeSeconds) > MAX_HALF_LIVES_FROM_LANDMARK) this.rebase(s, t);
    const wu = Math.pow(2, (t - s.landmarkSeconds) / this.config.usageHalfLifeSeconds);
    const wr = Math.pow(2, (t - s.landmarkSeconds) / this.config.rateHalfLifeSeconds);
    const { data } = s;
    const L = this.layout;
    for (const m of USAGE_METRICS) {
      const v = e[m];
      if (v !== undefined) L.histogram.add(data, L.histogramAt[m], v, wu);
    }
    if (!late && s.events > 0) {
      const gap = t - s.lastSeenSeconds;
      L.histogram.add(data, L.histogramAt.interArrivalSeconds, gap, wu);
      s.gapWeight += wu;
      s.gapSum += wu * gap;
      s.gapSquares += wu * gap * gap;
    }
    const hour = Math.floor((((t % DAY) + DAY) % DAY) / HOUR);
    const weekday = dayOfWeek(t);
    data[L.hourArrivals + hour]! += wr;
    data[L.dayArrivals + weekday]! += wr;
    if (e.cpuMs !== undefined) {
      data[L.hourCpu + hour]! += wr * e.cpuMs;
      data[L.dayCpu + weekday]! += wr * e.cpuMs;
    }
    s.usageWeight += wu;
    s.rateWeight += wr;
    s.events++;
    if (!(t >= s.firstSeenSeconds)) s.firstSeenSeconds = t; // the earliest, also when it comes late (NaN: the first)
    if (id !== undefined) this.remember(s, id, t);
    if (late) { s.lateEvents++; return 'late'; }
    s.lastSeenSeconds = t;
    this.forgetBeyondLateness(s);
    // In place: a fresh tuple per update would be most of the garbage this hot path makes.
    const last = s.last;
    last[0] = t;
    last[1] = e.cpuMs ?? NaN;
    last[2] = e.peakMemoryMb ?? NaN;
    last[3] = e.ioMb ?? NaN;
    last[4] = e.durationMs ?? NaN;
    return 'recorded';
  }

  /**
   * Adds an execution to those remembered, keeping time order; past the cap, forgets the earliest
   * (a later redelivery of it would be counted again: see `update`).
   */
  private remember(s: ProfileState, id: number, t: number): void {
    const { recentIds: ids, recentTimes: times } = s;
    let i = times.length;
    while (i > 0 && times[i - 1]! > t) i--;
    ids.splice(i, 0, id);
    times.splice(i, 0, t);
    const excess = ids.length - this.config.redeliveryMemory;
    if (excess > 0) {
      ids.splice(0, excess);
      times.splice(0, excess);
    }
  }

  /** Forgets executions too old for any event of their time to be accepted again. */
  private forgetBeyondLateness(s: ProfileState): void {
    const oldest = s.lastSeenSeconds - this.config.maxLatenessSeconds;
    let n = 0;
    while (n < s.recentTimes.length && s.recentTimes[n]! < oldest) n++;
    if (n > 0) {
      s.recentIds.splice(0, n);
      s.recentTimes.splice(0, n);
    }
  }

  /** Moves the landmark to `to`, rescaling every decayed quantity; queries are unchanged. */
  rebase(s: ProfileState, to: number): void {
    if (Number.isNaN(s.landmarkSeconds)) { s.landmarkSeconds = to; return; }
    const fu = Math.pow(2, (s.landmarkSeconds - to) / this.config.usageHalfLifeSeconds);
    const fr = Math.pow(2, (s.landmarkSeconds - to) / this.config.rateHalfLifeSeconds);
    const L = this.layout;
    for (const at of Object.values(L.histogramAt)) for (let i = at + 1; i < at + L.histogram.size; i++) s.data[i]! *= fu;
    for (let i = L.usageEnd; i < L.size; i++) s.data[i]! *= fr;
    s.usageWeight *= fu;
    s.gapWeight *= fu;
    s.gapSum *= fu;
    s.gapSquares *= fu;
    s.rateWeight *= fr;
    s.landmarkSeconds = to;
  }

  /**
   * Adds `from` into `into` (e.g. two partitions' views of one user, or many users into a
   * population prior). `from` is not modified.
   */
  merge(into: ProfileState, from: ProfileState): void {
    if (from.events === 0) return;
    if (into.events === 0 && Number.isNaN(into.landmarkSeconds)) into.landmarkSeconds = from.landmarkSeconds;
    if (from.landmarkSeconds > into.landmarkSeconds) this.rebase(into, from.landmarkSeconds);
    const su = Math.pow(2, (from.landmarkSeconds - into.landmarkSeconds) / this.config.usageHalfLifeSeconds);
    const sr = Math.pow(2, (from.landmarkSeconds - into.landmarkSeconds) / this.config.rateHalfLifeSeconds);
    const L = this.layout;
    for (const at of Object.values(L.histogramAt)) L.histogram.merge(into.data, at, from.data, at, su);
    for (let i = L.usageEnd; i < L.size; i++) into.data[i]! += from.data[i]! * sr;
    into.usageWeight += from.usageWeight * su;
    into.gapWeight += from.gapWeight * su;
    into.gapSum += from.gapSum * su;
    into.gapSquares += from.gapSquares * su;
    into.rateWeight += from.rateWeight * sr;
    into.firstSeenSeconds = minDefined(into.firstSeenSeconds, from.firstSeenSeconds);
    if (!(into.lastSeenSeconds >= from.lastSeenSeconds)) { into.lastSeenSeconds = from.lastSeenSeconds; into.last = [...from.last]; }
    into.events += from.events;
    into.lateEvents += from.lateEvents;
    into.duplicateEvents += from.duplicateEvents;
    from.recentIds.forEach((id, i) => { if (!into.recentIds.includes(id)) this.remember(into, id, from.recentTimes[i]!); });
    this.forgetBeyondLateness(into);
  }

  /** Events' decayed weight as of `asOf`: "how many recent events" this profile rests on. */
  effectiveEvents(s: ProfileState, asOf: number): number {
    if (s.events === 0) return 0;
    return s.usageWeight * Math.pow(2, (s.landmarkSeconds - asOf) / this.config.usageHalfLifeSeconds);
  }

  /**
   * The decayed q-quantile of a metric as of `asOf`, within the configured relative accuracy.
   * With a prior, the user's histogram is blended with the prior's, the prior normalised to
   * `strength` events: a new user gets the population's quantiles, and their own as they accrue.
   */
  quantile(s: ProfileState, metric: ProfileMetric, q: number, asOf: number, prior?: PriorOptions): number {
    const H = this.layout.histogram;
    const at = this.layout.histogramAt[metric];
    if (!prior) return H.quantile(s.data, at, q);
    const strength = prior.strength ?? 5;
    if (!(strength >= 0)) throw new RangeError('prior strength must be >= 0');
    const priorTotal = H.total(prior.prior.data, at);
    if (!(priorTotal > 0)) return H.quantile(s.data, at, q);
    // Both in units of "events as of asOf": the user's raw weights carry 2^((asOf-L)/H).
    const userToNow = s.events === 0 ? 1 : Math.pow(2, (s.landmarkSeconds - asOf) / this.config.usageHalfLifeSeconds);
    return H.quantile(s.data, at, q, { d: prior.prior.data, at, scale: strength / priorTotal / userToNow });
  }

  /** Decayed mean and standard deviation of the gaps between in-order events (NaN before two events). */
  interArrival(s: ProfileState): { meanSeconds: number; sdSeconds: number } {
    if (!(s.gapWeight > 0)) return { meanSeconds: NaN, sdSeconds: NaN };
    const mean = s.gapSum / s.gapWeight;
    return { meanSeconds: mean, sdSeconds: Math.sqrt(Math.max(0, s.gapSquares / s.gapWeight - mean * mean)) };
  }

  /**
   * Arrivals per hour by UTC hour-of-day (24) and day-of-week (7, Monday first), as of `asOf`:
   * decayed arrivals in each slot over the decayed time the user was observed in that slot.
   * With a prior, shrunk towards the prior's rates with weight strength / (events + strength).
   */
  arrivalRates(s: ProfileState, asOf: number, prior?: PriorOptions): { byHour: number[]; byDay: number[] } {
    const own = this.ownRates(s, asOf);
    if (!prior) return own;
    const k = prior.strength ?? 5;
    const p = this.ownRates(prior.prior, asOf);
    const n = s.events === 0 ? 0 : s.rateWeight * Math.pow(2, (s.landmarkSeconds - asOf) / this.config.rateHalfLifeSeconds);
    const blend = (u: number, q: number) => (n === 0 ? q : Number.isFinite(q) ? (n * u + k * q) / (n + k) : u);
    return { byHour: own.byHour.map((u, i) => blend(u, p.byHour[i]!)), byDay: own.byDay.map((u, i) => blend(u, p.byDay[i]!)) };
  }

  /** Mean CPU-ms per job by UTC hour-of-day and day-of-week (NaN where the slot has no jobs). */
  cpuBySlot(s: ProfileState): { byHour: number[]; byDay: number[] } {
    const L = this.layout;
    const ratio = (sumAt: number, countAt: number, n: number) =>
      Array.from({ length: n }, (_, i) => (s.data[countAt + i]! > 0 ? s.data[sumAt + i]! / s.data[countAt + i]! : NaN));
    return { byHour: ratio(L.hourCpu, L.hourArrivals, 24), byDay: ratio(L.dayCpu, L.dayArrivals, 7) };
  }

  private ownRates(s: ProfileState, asOf: number): { byHour: number[]; byDay: number[] } {
    const L = this.layout;
    if (s.events === 0) return { byHour: new Array<number>(24).fill(NaN), byDay: new Array<number>(7).fill(NaN) };
    const H = this.config.rateHalfLifeSeconds;
    const from = Math.max(s.firstSeenSeconds, asOf - EXPOSURE_HALF_LIVES * H);
    const hourExposure = new Array<number>(24).fill(0);
    const dayExposure = new Array<number>(7).fill(0);
    // Integral of 2^((t-L)/H) over each hour between `from` and `asOf`, in the counts' units.
    const integral = (a: number, b: number) => (H / Math.LN2) * (Math.pow(2, (b - s.landmarkSeconds) / H) - Math.pow(2, (a - s.landmarkSeconds) / H));
    for (let h0 = Math.floor(from / HOUR) * HOUR; h0 < asOf; h0 += HOUR) {
      const a = Math.max(h0, from);
      const b = Math.min(h0 + HOUR, asOf);
      if (b <= a) continue;
      const exposure = integral(a, b) / HOUR; // in hours
      hourExposure[Math.floor((((h0 % DAY) + DAY) % DAY) / HOUR)]! += exposure;
      dayExposure[dayOfWeek(h0)]! += exposure;
    }
    const rate = (countAt: number, exposure: number[]) => exposure.map((x, i) => (x > 0 ? s.data[countAt + i]! / x : NaN));
    return { byHour: rate(L.hourArrivals, hourExposure), byDay: rate(L.dayArrivals, dayExposure) };
  }
}

/** 0 = Monday .. 6 = Sunday, UTC (epoch day 0 was a Thursday). */
export function dayOfWeek(t: number): number {
  return (((Math.floor(t / DAY) + 3) % 7) + 7) % 7;
}

function isRepeat(last: ProfileState['last'], e: UsageEvent): boolean {
  const same = (a: number, b: number | undefined) => (b === undefined ? Number.isNaN(a) : a === b);
  return last[0] === e.timeSeconds && same(last[1], e.cpuMs) && same(last[2], e.peakMemoryMb) && same(last[3], e.ioMb) && same(last[4], e.durationMs);
}

/**
 * A 53-bit hash of an execution id (cyrb53): stored as an exact float64, 16 bytes an execution
 * with its time. Two of a user's executions within the lateness window collide with odds ~ n / 2^53.
 */
export function executionHash(id: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function minDefined(a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  return Math.min(a, b);
}
