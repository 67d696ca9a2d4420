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
  /** Forecast quantile to size for; default p90. */
  quantile?: ForecastQuantile;
  /** Feedback on the quantile; see AdaptiveHeadroom. */
  headroom?: AdaptiveHeadroomOptions;
  /** The target must stay below the fleet this long before any scale-in; default 900 s. */
  scaleInDelaySeconds?: number;
  /** At most this share of the fleet (at least one instance) goes per scale-in; default 0.1. */
  scaleInMaxFraction?: number;
  /** Queued work should drain within this many seconds; default the boot delay. */
  backlogDrainSeconds?: number;
  /** The headroom is first calibrated on forecasts replayed over this much history; default 14 days. */
  warmStartSeconds?: number;
}

/**
 * PRM's capacity planner. Sizes the fleet for the demand forecast at the moment a launch made now
 * would be ready (lead time = boot delay), at a quantile times an adaptive headroom, and never
 * below what is needed right now (AHPA-style max of proactive and reactive). Scales out at once;
 * scales in only after the target has stayed low for a while, and then gradually.
 */
export function proactivePlanner(o: ProactivePlannerOptions): ScalingPolicy {
  const quantile = o.quantile ?? 'p90';
  const scaleInDelay = o.scaleInDelaySeconds ?? 900;
  const scaleInMaxFraction = o.scaleInMaxFraction ?? 0.1;
  const drainSeconds = o.backlogDrainSeconds ?? Math.max(o.bootDelaySeconds, o.controlSeconds);
  if (!(o.bootDelaySeconds >= 0)) throw new RangeError(`bootDelaySeconds must be >= 0, got ${o.bootDelaySeconds}`);
  if (!(o.controlSeconds > 0)) throw new RangeError(`controlSeconds must be positive, got ${o.controlSeconds}`);
  if (!(scaleInDelay >= 0)) throw new RangeError(`scaleInDelaySeconds must be >= 0, got ${scaleInDelay}`);
  if (!(scaleInMaxFraction > 0 && scaleInMaxFraction <= 1)) throw new RangeError(`scaleInMaxFraction must be in (0, 1], got ${scaleInMaxFraction}`);
  if (!(drainSeconds > 0)) throw new RangeError(`backlogDrainSeconds must be positive, got ${drainSeconds}`);

  const series = new DemandSeries(o.history);
  const headroom = new AdaptiveHeadroom(o.headroom);
  const step = series.stepSeconds;
  const horizon = Math.ceil((o.bootDelaySeconds + o.controlSeconds) / step) + 1;
  warmStart(o, quantile, headroom);
  /** Sized quantile (before headroom) per target step, kept until the step's actual is known. */
  const pending = new Map<number, number>();
  const recommendations: { at: number; desired: number }[] = [];
  let origin = -1;
  /** Since when the target has been below the fleet, without interruption. */
  let lowSince: number | undefined;
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
      for (let j = Math.max(from, origin + 1); j <= to; j++) if (!pending.has(j)) pending.set(j, sized);
      const factor = headroom.factor(series.startSeconds + from * step, sized);
      const proactiveCores = sized * factor;
      const floorCores = view.demandCores + view.backlogCoreSeconds / drainSeconds;
      const cores = view.instanceCores;
      const proactive = Math.ceil(proactiveCores / cores - 1e-9);
      const floor = Math.ceil(floorCores / cores - 1e-9);
      const target = Math.max(proactive, floor);
      const current = view.ready + view.booting;
      const why =
        `${o.forecaster.name} ${quantile} at +${o.bootDelaySeconds}s = ${sized.toFixed(1)} cores x headroom ${factor.toFixed(2)} ` +
        `(p${Math.round((o.headroom?.coverage ?? 0.95) * 100)} of recent forecast errors, ` +
        `${(headroom.underPredictionRate() * 100).toFixed(1)}% under-predicted) = ${proactive} instances; ` +
        `reactive floor ${floorCores.toFixed(1)} cores (demand now + backlog over ${drainSeconds}s) = ${floor}`;
      const reason = floor > proactive ? 'reactive_floor' : 'forecast';

      recommendations.push({ at: view.now, desired: target });
      while (recommendations.length > 0 && recommendations[0]!.at <= view.now - scaleInDelay) recommendations.shift();
      if (target >= current) {
        lowSince = undefined;
        return { desired: target, reason, explanation: why };
      }
      lowSince ??= view.now;
      const recentMax = Math.max(...recommendations.map((r) => r.desired));
      if (view.now - lowSince < scaleInDelay || recentMax >= current) {
        return { desired: current, reason: 'hold_hysteresis', explanation: `${why}; held at ${current}: target was >= ${current} within the last ${scaleInDelay}s` };
      }
      const maxStep = Math.max(1, Math.floor(current * scaleInMaxFraction));
      const desired = Math.max(recentMax, current - maxStep, floor);
      return { desired, reason: 'scale_in_gradual', explanation: `${why}; below ${current} for ${scaleInDelay}s: shed at most ${maxStep}` };
    },
  };

  function settleOutcomes(newOrigin: number): void {
    // Steps before the newest sampled one are complete; their actual settles their forecast.
    for (const [j, sized] of pending) {
      if (j >= newOrigin) continue;
      headroom.observe(series.startSeconds + j * step, sized, series.at(j));
      pending.delete(j);
    }
  }
}

/**
 * Replays the forecaster over the end of the history so the headroom starts calibrated instead
 * of guessing for its first days: the same lead (one boot delay) and quantile the planner sizes.
 */
function warmStart(o: ProactivePlannerOptions, quantile: ForecastQuantile, headroom: AdaptiveHeadroom): void {
  const { history } = o;
  const step = history.stepSeconds;
  const lead = Math.max(1, Math.floor((o.bootDelaySeconds + o.controlSeconds) / step));
  const steps = Math.round((o.warmStartSeconds ?? 14 * 86_400) / step);
  const n = history.values.length;
  for (let origin = Math.max(1, n - steps); origin + lead < n; origin++) {
    const sized = o.forecaster.forecast(history, origin, lead)[lead - 1]?.[quantile];
    const actual = history.values[origin + lead]!;
    if (sized !== undefined) headroom.observe(history.startSeconds + (origin + lead) * step, sized, actual);
  }
}
