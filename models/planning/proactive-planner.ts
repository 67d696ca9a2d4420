import type { Forecaster, QuantileForecast, Series } from '../forecasting/forecaster';
import { DemandSeries } from './demand-series';
import { AdaptiveHeadroom, type AdaptiveHeadroomOptions } from './headroom';
import type { ClusterView, ScaleDecision, ScalingPolicy } from './types';

export type ForecastQuantile = keyof QuantileForecast;

export interface ProactivePlannerOptions {
  /** Forecasts the cluster demand in cores on the grid of `history`. */
  forecaster: Forecaster;
  /** Demand in cores before the simulation starts (the training period); sets the grid. */
  history: Series;
  /** Seconds from launch to ready: the lead time of every scale-out. */
  bootDelaySeconds: number;
  /** Seconds between decisions; a launch must cover demand until the next one is ready. */
  controlSeconds: number;
  /**
   * Forecast quantile the headroom multiplies; default p50, the point forecast: the headroom is
   * itself calibrated to a coverage, and stacking it on an upper quantile paid for spare twice.
   */
  quantile?: ForecastQuantile;
  /** Feedback on the quantile; see AdaptiveHeadroom. */
  headroom?: AdaptiveHeadroomOptions;
  /**
   * Forecast errors are measured in units of the mean step-to-step change of demand over this
   * trailing window (when the headroom's scaling is 'spread'): a calm spell asks for less spare
   * than a jumpy one. Default 3 hours.
   */
  spreadSeconds?: number;
  /**
   * The target must stay below the held fleet this long before any scale-in; default one boot
   * delay (an instance given back sooner could not be had back in time for a rebound).
   */
  scaleInDelaySeconds?: number;
  /** At most this share of the held fleet (at least one instance) goes per scale-in; default 0.1. */
  scaleInMaxFraction?: number;
  /**
   * Queued work should drain within this many seconds; default one control interval. Queued work
   * delays all work behind it, so a backlog is cleared fast, and what was bought for it is let go
   * as soon as it is cleared, outside the hysteresis, but not within a boot delay of being bought.
   */
  backlogDrainSeconds?: number;
  /** The headroom is first calibrated on forecasts replayed over this much history; default 14 days. */
  warmStartSeconds?: number;
}

/**
 * PRM's capacity planner. Sizes the fleet for the demand forecast at the moment a launch made now
 * would be ready (lead time = boot delay), at a quantile times an adaptive headroom, and never
 * below what is needed right now (AHPA-style max of proactive and reactive). Scales out at once;
 * scales in only after the target has stayed low for a while, and then gradually. A backlog adds
 * instances on top, which go as soon as it is drained, but not within a boot delay of being bought.
 */
export function proactivePlanner(o: ProactivePlannerOptions): ScalingPolicy {
  const quantile = o.quantile ?? 'p50';
  // What was ordered is held (booting) for this long: the reactive floor's hold, and by default the scale-in delay.
  const floorHoldSeconds = Math.max(o.bootDelaySeconds, o.controlSeconds);
  const scaleInDelay = o.scaleInDelaySeconds ?? floorHoldSeconds;
  const scaleInMaxFraction = o.scaleInMaxFraction ?? 0.1;
  const drainSeconds = o.backlogDrainSeconds ?? o.controlSeconds;
  const spreadSeconds = o.spreadSeconds ?? 3 * 3600;
  if (!(o.bootDelaySeconds >= 0)) throw new RangeError(`bootDelaySeconds must be >= 0, got ${o.bootDelaySeconds}`);
  if (!(o.controlSeconds > 0)) throw new RangeError(`controlSeconds must be positive, got ${o.controlSeconds}`);
  if (!(scaleInDelay >= 0)) throw new RangeError(`scaleInDelaySeconds must be >= 0, got ${scaleInDelay}`);
  if (!(scaleInMaxFraction > 0 && scaleInMaxFraction <= 1)) throw new RangeError(`scaleInMaxFraction must be in (0, 1], got ${scaleInMaxFraction}`);
  if (!(drainSeconds > 0)) throw new RangeError(`backlogDrainSeconds must be positive, got ${drainSeconds}`);
  if (!(spreadSeconds > 0)) throw new RangeError(`spreadSeconds must be positive, got ${spreadSeconds}`);

  const series = new DemandSeries(o.history);
  const step = series.stepSeconds;
  const spreadSteps = Math.max(1, Math.round(spreadSeconds / step));
  const horizon = Math.ceil((o.bootDelaySeconds + o.controlSeconds) / step) + 1;
  const headroom = new AdaptiveHeadroom(o.headroom);
  warmStart(o, quantile, headroom, spreadSteps);
  /** Sized quantile (before headroom) and the spread then, per target step, until the step's actual is known. */
  const pending = new Map<number, { sized: number; spread: number }>();
  /** Demand-and-forecast targets (backlog excluded) over the last `scaleInDelay` seconds. */
  const recommendations = new RecentMax(scaleInDelay);
  let origin = -1;
  /** Since when the target has been below the held fleet, without interruption. */
  let lowSince: number | undefined;
  /** The fleet the hysteresis protects: raised at once, lowered late and gradually. */
  let held: number | undefined;
  /** Reactive floors over the last boot delay: what was bought for queued work and may still be booting. */
  const floors = new RecentMax(floorHoldSeconds);
  let forecast: QuantileForecast[] = [];

  return {
    name: 'predictive',
    decide(view: ClusterView): ScaleDecision {
      // The window's sample describes its middle, which matters when a window straddles steps.
      series.add(view.now - view.windowSeconds / 2, view.demandCores);
      if (series.lastIndex !== origin) {
        settleOutcomes(series.lastIndex);
        origin = series.lastIndex;
        forecast = o.forecaster.forecast(series.view(), origin, horizon);
      }
      const from = series.stepOf(view.now + o.bootDelaySeconds);
      const to = series.stepOf(view.now + o.bootDelaySeconds + o.controlSeconds - 1e-6);
      let sized = 0;
      for (let j = Math.max(from, origin + 1); j <= to; j++) {
        const q = forecast[j - origin - 1]?.[quantile];
        if (q !== undefined && Number.isFinite(q)) sized = Math.max(sized, q);
      }
      const spread = recentSpread(series.view(), origin, spreadSteps);
      for (let j = Math.max(from, origin + 1); j <= to; j++) if (!pending.has(j)) pending.set(j, { sized, spread });
      const factor = headroom.factor(series.startSeconds + from * step, sized, spread);
      const cores = view.instanceCores;
      const proactive = Math.ceil((sized * factor) / cores - 1e-9);
      const needNow = Math.ceil(view.demandCores / cores - 1e-9);
      const floorCores = view.demandCores + view.backlogCoreSeconds / drainSeconds;
      const floor = Math.ceil(floorCores / cores - 1e-9);
      const target = Math.max(proactive, needNow);
      const current = view.ready + view.booting;
      const why =
        `${o.forecaster.name} ${quantile} at +${o.bootDelaySeconds}s = ${sized.toFixed(1)} cores x headroom ${factor.toFixed(2)} ` +
        `(p${Math.round((o.headroom?.coverage ?? 0.95) * 100)} of recent forecast errors, ` +
        `${(headroom.underPredictionRate() * 100).toFixed(1)}% under-predicted) = ${proactive} instances; ` +
        `reactive floor ${floorCores.toFixed(1)} cores (demand now + backlog over ${drainSeconds}s) = ${floor}`;

      const recentMax = recommendations.record(view.now, target);
      held ??= current;
      let rule: 'raise' | 'hold' | 'shed';
      if (target >= held) {
        held = target;
        lowSince = undefined;
        rule = 'raise';
      } else {
        lowSince ??= view.now;
        if (view.now - lowSince < scaleInDelay || recentMax >= held) rule = 'hold';
        else {
          held = Math.max(recentMax, held - Math.max(1, Math.floor(held * scaleInMaxFraction)));
          rule = 'shed';
        }
      }
      // An instance bought for a backlog stays for one boot delay, however fast the backlog's
      // estimate shrinks: one let go while still booting was paid for in vain (the stabilisation
      // HPA gives every recommendation). Past that it goes as soon as the backlog is drained.
      const reactive = floors.record(view.now, floor);
      if (reactive > held) return { desired: reactive, reason: 'reactive_floor', explanation: reactive > floor ? `${why}; kept at ${reactive}, the floor within the last ${floorHoldSeconds}s` : why };
      if (rule === 'raise') return { desired: held, reason: needNow > proactive ? 'reactive_floor' : 'forecast', explanation: why };
      if (rule === 'hold') return { desired: held, reason: 'hold_hysteresis', explanation: `${why}; held at ${held}: the target was >= ${held} within the last ${scaleInDelay}s` };
      return { desired: held, reason: 'scale_in_gradual', explanation: `${why}; below the held fleet for ${scaleInDelay}s: shed to ${held}` };
    },
  };

  function settleOutcomes(newOrigin: number): void {
    // Steps before the newest sampled one are complete; their actual settles their forecast.
    for (const [j, p] of pending) {
      if (j >= newOrigin) continue;
      headroom.observe(series.startSeconds + j * step, p.sized, series.at(j), p.spread);
      pending.delete(j);
    }
  }
}

/** The highest value recorded within the last `seconds`, the newest always among them. */
class RecentMax {
  private readonly entries: { at: number; value: number }[] = [];

  constructor(private readonly seconds: number) {}

  /** Records `value` at `at` (non-decreasing) and returns the highest within the window ending there. */
  record(at: number, value: number): number {
    this.entries.push({ at, value });
    while (this.entries[0]!.at <= at - this.seconds && this.entries.length > 1) this.entries.shift();
    let max = -Infinity;
    for (const e of this.entries) max = Math.max(max, e.value);
    return max;
  }
}

/**
 * Replays the forecaster over the end of the history so the headroom starts calibrated instead
 * of guessing for its first days: the same lead (one boot delay) and quantile the planner sizes.
 */
function warmStart(o: ProactivePlannerOptions, quantile: ForecastQuantile, headroom: AdaptiveHeadroom, spreadSteps: number): void {
  const { history } = o;
  const step = history.stepSeconds;
  const lead = Math.max(1, Math.floor((o.bootDelaySeconds + o.controlSeconds) / step));
  const steps = Math.round((o.warmStartSeconds ?? 14 * 86_400) / step);
  const n = history.values.length;
  for (let origin = Math.max(1, n - steps); origin + lead < n; origin++) {
    const sized = o.forecaster.forecast(history, origin, lead)[lead - 1]?.[quantile];
    const actual = history.values[origin + lead]!;
    if (sized !== undefined) headroom.observe(history.startSeconds + (origin + lead) * step, sized, actual, recentSpread(history, origin, spreadSteps));
  }
}

/** Mean absolute step-to-step change over the `steps` steps up to `origin`: how jumpy demand is lately. */
export function recentSpread(s: Series, origin: number, steps: number): number {
  let sum = 0;
  let n = 0;
  for (let i = Math.max(1, origin - steps + 1); i <= origin; i++) {
    const d = s.values[i]! - s.values[i - 1]!;
    if (Number.isFinite(d)) { sum += Math.abs(d); n++; }
  }
  return n > 0 ? sum / n : 0;
}
