import type { Forecaster, Series } from '../../models/forecasting/forecaster';
import { selectingForecaster } from '../../models/forecasting/selecting-forecaster';
import {
  BASELINE_FORECAST_VERSION, defaultForecastGrid, forecastModelsFor, type ForecastModelArtifact,
} from '../../models/training/forecast-model';
import { defaultValidationLimits } from '../../schemas/validation';
import type { ClusterLoadForecast, ClusterMetrics } from '../../schemas/types.generated';
import { ConfigError } from '../runtime/errors';
import { jsonSerde } from '../runtime/serde';
import { defineProcessor, keyValueStore } from '../runtime/topology';
import type { EventTopics } from './event-topics';

export interface ForecasterProcessorOptions {
  topics: EventTopics;
  /** Grid the metrics are averaged onto and forecast on. Default 5 minutes (the Bitbrains grid). */
  stepMs?: number;
  /** How far ahead to forecast: at least the instance boot time plus a planning interval. Default 30 minutes. */
  horizonMs?: number;
  /** Trailing window on which the models are compared and calibrated. Default 2 days. */
  windowMs?: number;
  /** History kept per pool (must cover the window and the weekly season of the baselines to use it). Default 8 days. */
  historyMs?: number;
  /**
   * The forecaster version in use now, read per forecast: a model follower's hot-swapped one
   * (trainer-fitted weights added to the baselines). Default: the baselines alone.
   */
  currentModels?: () => ActiveForecastModels;
  /**
   * Default: validation's future tolerance. A sample stamped up to that far ahead (a skewed
   * clock) is valid and advances stream time; with any less lateness, every on-time sample of
   * the partition after it would be dropped as late.
   */
  allowedLatenessMs?: number;
}

/** A forecaster version: its fitted models (none for the baselines alone) and its name. */
export interface ActiveForecastModels {
  version: string;
  artifact?: ForecastModelArtifact;
}

/** A pool's load on the grid: sums and counts per step, so several samples in a step average. */
export interface LoadHistory {
  startMs: number;
  sums: number[];
  counts: number[];
}

/**
 * Cluster metrics in; each pool's CPU load (cores in use) averaged onto a grid in a store; when
 * a step completes, a ClusterLoadForecast over the horizon out, from models/forecasting's
 * selecting forecaster (per-pool model choice among the baselines, calibrated quantiles).
 */
export function forecasterProcessor(o: ForecasterProcessorOptions) {
  const stepMs = o.stepMs ?? defaultForecastGrid.stepMs;
  const horizon = Math.ceil((o.horizonMs ?? defaultForecastGrid.horizonMs) / stepMs);
  const windowMs = o.windowMs ?? defaultForecastGrid.windowMs;
  const maxSteps = Math.ceil((o.historyMs ?? 8 * 86_400_000) / stepMs);
  if (!(stepMs >= 1000) || !(horizon >= 1) || !(windowMs > 0)) throw new ConfigError('forecaster: need stepMs >= 1000, horizonMs > 0 and windowMs > 0');
  if (maxSteps < horizon + 2) throw new ConfigError('forecaster: historyMs must cover more than the horizon');
  const baselines: ActiveForecastModels = { version: BASELINE_FORECAST_VERSION };
  const currentModels = o.currentModels ?? (() => baselines);
  // Per pool, the selecting forecaster of the version in use; rebuilt when a new version arrives.
  const forecasters = new Map<string, { version: string; forecaster: Forecaster & { lastChoice(): string | undefined } }>();
  const forecasterFor = (pool: string) => {
    const active = currentModels();
    // Weights fitted on another grid would forecast nonsense on this one: the baselines then.
    const usable = active.artifact === undefined || active.artifact.stepSeconds === stepMs / 1000 ? active : baselines;
    let entry = forecasters.get(pool);
    if (entry?.version !== usable.version) {
      entry = { version: usable.version, forecaster: selectingForecaster(forecastModelsFor(usable.artifact, pool), { windowSeconds: windowMs / 1000 }) };
      forecasters.set(pool, entry);
    }
    return entry;
  };

  return defineProcessor({
    name: 'forecaster',
    inputs: { metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics') },
    outputs: { forecasts: o.topics.topic('prm.cluster-forecasts', 'ClusterLoadForecast') },
    stores: { history: keyValueStore(jsonSerde<LoadHistory>()) },
    eventTime: { allowedLatenessMs: o.allowedLatenessMs ?? Math.max(stepMs, defaultValidationLimits.maxFutureSkewMs), timestamp: (r) => r.value.at.getTime() },
    onError: 'dead-letter',
    process(ctx, record) {
      const m = record.value;
      const store = ctx.store('history');
      const step = Math.floor(m.at.getTime() / stepMs) * stepMs;
      const stored = store.get(m.pool);
      const h: LoadHistory = stored ? { startMs: stored.startMs, sums: [...stored.sums], counts: [...stored.counts] } : { startMs: step, sums: [], counts: [] };
      const index = (step - h.startMs) / stepMs;
      if (index < 0) return; // older than everything kept: nothing it could still change
      const lastIndex = h.sums.length - 1;
      while (h.sums.length <= index) {
        h.sums.push(0);
        h.counts.push(0);
      }
      h.sums[index]! += coresDemanded(m);
      h.counts[index]! += 1;
      const drop = Math.max(0, h.sums.length - maxSteps);
      if (drop > 0) {
        h.sums.splice(0, drop);
        h.counts.splice(0, drop);
        h.startMs += drop * stepMs;
      }
      store.put(m.pool, h);
      // A sample in a new step closes the previous ones: forecast from the last complete step.
      if (stored && index > lastIndex && lastIndex >= 0) ctx.forward('forecasts', { key: m.pool, value: forecast(m.pool, h, index - 1 - drop, ctx.eventTime) });
    },
  });

  function forecast(pool: string, h: LoadHistory, origin: number, issuedAtMs: number): ClusterLoadForecast {
    const series: Series = {
      startSeconds: h.startMs / 1000,
      stepSeconds: stepMs / 1000,
      values: Float64Array.from(h.sums, (s, i) => (h.counts[i]! > 0 ? s / h.counts[i]! : NaN)),
    };
    const { version, forecaster } = forecasterFor(pool);
    const points = forecaster.forecast(series, origin, horizon);
    const originMs = h.startMs + origin * stepMs;
    return {
      forecastId: `${pool}@${originMs}`,
      pool,
      issuedAt: new Date(issuedAtMs),
      metric: 'CPU_CORES',
      stepMs,
      model: { name: `selected:${forecaster.lastChoice() ?? 'none'}`, version },
      points: points.map((q, i) => {
        const p50 = finite(q.p50);
        const p90 = Math.max(p50, finite(q.p90));
        // A point is the mean over step origin+i+1 and is stamped with the step's end: the
        // first one (the step in progress) is still in the future when it is issued.
        return { at: new Date(originMs + (i + 2) * stepMs), expected: p50, p50, p90, p99: Math.max(p90, finite(q.p99)) };
      }),
    };
  }
}

/**
 * The pool's load in cores: what its jobs use, or what they reserve if that is more, since the
 * scheduler places jobs against reservations and a pool full of them takes no more work.
 */
export function coresDemanded(m: ClusterMetrics): number {
  return (Math.max(m.cpuUtilization, m.reservedFraction ?? 0) * m.cpuCapacityMillicores) / 1000;
}

function finite(x: number): number {
  return Number.isFinite(x) ? Math.max(0, x) : 0;
}
