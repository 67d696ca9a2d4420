import type { QuantileForecast } from '../../models/forecasting/forecaster';
import { proactivePlanner, type ForecastQuantile } from '../../models/planning/proactive-planner';
import { checkBounds, clampToBounds, type ClusterView, type ScaleDecision } from '../../models/planning/types';
import type { ClusterLoadForecast, ClusterMetrics, ScaleCommand, ScaleReason } from '../../schemas/types.generated';
import { ConfigError } from '../runtime/errors';
import { jsonSerde } from '../runtime/serde';
import type { KeyValueStore } from '../runtime/store';
import { defineProcessor, keyValueStore } from '../runtime/topology';
import type { EventTopics } from './event-topics';

export interface PlannerProcessorOptions {
  topics: EventTopics;
  minInstances: number;
  maxInstances: number;
  /** Seconds from launch to ready: what a scale-out must be ahead of demand by. */
  bootDelaySeconds: number;
  /** Forecast quantile sized for; default p90. */
  quantile?: ForecastQuantile;
  /** The target must stay low this long before a scale-in; default 900 s. */
  scaleInDelaySeconds?: number;
  /** Core-seconds of work one queued job stands for, to turn queue depth into backlog. Default 1. */
  coreSecondsPerQueuedJob?: number;
  /** Decision ticks kept per pool and replayed into the policy; bounds the headroom's memory. Default 96. */
  ticksKept?: number;
  allowedLatenessMs?: number;
}

/** One decision tick as stored: what the policy saw and the forecast it was given. */
export interface PlannerTick {
  view: ClusterView;
  stepSeconds: number;
  forecastId: string;
  /** Forecast points by the end of the step they cover, epoch seconds. */
  points: { endSeconds: number; q: QuantileForecast }[];
}

/** A scheduler task's latest report of what it holds queued for the pool. */
export interface TaskBacklog {
  atMs: number;
  cores: number;
  coreSeconds: number;
}

export interface PlannerState {
  metrics?: { instancesRunning: number; instancesBooting: number; coresPerInstance: number; utilization: number; queueDepth: number };
  /** By scheduler task. Absent in states stored before backlogs were reported. */
  backlog?: Record<string, TaskBacklog>;
  ticks: PlannerTick[];
  lastCommand?: { target: number; atMs: number };
}

const reasons: Record<ScaleDecision['reason'], ScaleReason> = {
  forecast: 'FORECAST_DEMAND', reactive_floor: 'QUEUE_BACKLOG', scale_in_gradual: 'IDLE_CAPACITY', bounds: 'MIN_MAX_BOUNDS',
  hold_hysteresis: 'FORECAST_DEMAND', hpa_scale: 'FORECAST_DEMAND', hpa_tolerance: 'FORECAST_DEMAND', hpa_stabilization: 'FORECAST_DEMAND',
  static_peak: 'FORECAST_DEMAND', oracle_exact: 'FORECAST_DEMAND',
};

/**
 * Cluster forecasts (with the pool's latest metrics, co-partitioned by pool) in; ScaleCommand
 * out when the fleet should change. The decision is models/planning's proactive planner: the
 * forecast quantile at the boot lead time times an adaptive headroom, never below current
 * demand plus backlog, scale-in only after the target stayed low. Its state is rebuilt on every
 * forecast by replaying the stored recent ticks, so a restored task decides as the lost one would.
 */
export function plannerProcessor(o: PlannerProcessorOptions) {
  const bounds = { minInstances: o.minInstances, maxInstances: o.maxInstances };
  try {
    checkBounds(bounds);
  } catch (err) {
    throw new ConfigError(`planner: ${(err as Error).message}`);
  }
  if (!(o.bootDelaySeconds >= 0)) throw new ConfigError(`planner: bootDelaySeconds must be >= 0, got ${o.bootDelaySeconds}`);
  const ticksKept = o.ticksKept ?? 96;
  const perJob = o.coreSecondsPerQueuedJob ?? 1;

  return defineProcessor({
    name: 'planner',
    inputs: {
      forecasts: o.topics.topic('prm.cluster-forecasts', 'ClusterLoadForecast'),
      metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics'),
      backlog: o.topics.topic('prm.scheduler-backlog', 'SchedulerBacklog'),
    },
    outputs: { commands: o.topics.topic('prm.scale-commands', 'ScaleCommand') },
    stores: { pools: keyValueStore(jsonSerde<PlannerState>()) },
    // Summed over the pools this instance plans: target against running is how far the fleet
    // lags the plan (boot delay, a cloud refusing instances); queued cores what drives the floor.
    gauges: {
      target_instances: { help: 'Instances last commanded, over the pools planned here', value: (s) => sumOverPools(s.store('pools'), (p) => p.lastCommand?.target ?? 0) },
      running_instances: { help: 'Instances running at each pool\'s latest sample, over the pools planned here', value: (s) => sumOverPools(s.store('pools'), (p) => p.metrics?.instancesRunning ?? 0) },
      queued_cores: {
        help: 'Cores the scheduler tasks last reported queued for capacity, over the pools planned here',
        value: (s) => sumOverPools(s.store('pools'), (p) => Object.values(p.backlog ?? {}).reduce((sum, b) => sum + b.cores, 0)),
      },
    },
    eventTime: {
      allowedLatenessMs: o.allowedLatenessMs ?? 10 * 60_000,
      timestamp: (r) => (r.input === 'forecasts' ? r.value.issuedAt.getTime() : r.value.at.getTime()),
    },
    onError: 'dead-letter',
    process(ctx, record) {
      const store = ctx.store('pools');
      const pool = record.value.pool;
      const state: PlannerState = structuredClone(store.get(pool) ?? { ticks: [] });
      if (record.input === 'metrics') {
        state.metrics = metricsOf(record.value);
        store.put(pool, state);
        return;
      }
      if (record.input === 'backlog') {
        const b = record.value;
        const known = state.backlog?.[b.task];
        if (known && known.atMs > b.at.getTime()) return; // overtaken by a newer report
        state.backlog = { ...state.backlog, [b.task]: { atMs: b.at.getTime(), cores: b.queuedCores, coreSeconds: b.queuedCoreSeconds } };
        store.put(pool, state);
        return;
      }
      const forecast = record.value;
      if (!state.metrics || forecast.metric !== 'CPU_CORES') return; // nothing to size against yet
      const previous = state.ticks[state.ticks.length - 1];
      const now = forecast.issuedAt.getTime() / 1000;
      if (previous && now <= previous.view.now) return; // a redelivered or reordered forecast
      state.ticks.push(tick(forecast, state.metrics, queuedBacklog(state.backlog, forecast.issuedAt.getTime(), forecast.stepMs / 1000), now, previous ? now - previous.view.now : forecast.stepMs / 1000));
      if (state.ticks.length > ticksKept) state.ticks.splice(0, state.ticks.length - ticksKept);
      const decision = clampToBounds(replay(state.ticks), bounds);
      const current = state.metrics.instancesRunning + state.metrics.instancesBooting;
      const repeated = state.lastCommand && state.lastCommand.target === decision.desired && ctx.eventTime - state.lastCommand.atMs < o.bootDelaySeconds * 1000;
      if (decision.desired !== current && !repeated) {
        state.lastCommand = { target: decision.desired, atMs: ctx.eventTime };
        ctx.forward('commands', { key: pool, value: command(pool, forecast, decision, current, ctx.eventTime, o.bootDelaySeconds) });
      }
      store.put(pool, state);
    },
  });

  function tick(f: ClusterLoadForecast, m: NonNullable<PlannerState['metrics']>, queued: number, now: number, windowSeconds: number): PlannerTick {
    const busy = m.utilization * m.instancesRunning * m.coresPerInstance;
    return {
      view: {
        now, ready: m.instancesRunning, booting: m.instancesBooting, instanceCores: m.coresPerInstance, windowSeconds,
        utilization: m.utilization, demandCores: busy, backlogCoreSeconds: m.queueDepth * perJob + queued,
      },
      stepSeconds: f.stepMs / 1000,
      forecastId: f.forecastId,
      points: f.points.map((p) => ({ endSeconds: p.at.getTime() / 1000, q: { p50: p.p50, p90: p.p90, p99: p.p99 } })),
    };
  }

  /** Runs the planning model over the kept ticks, each with the forecast it had then; the last decision is now's. */
  function replay(ticks: PlannerTick[]): ScaleDecision {
    const step = ticks[ticks.length - 1]!.stepSeconds;
    const first = ticks[0]!;
    let given = first;
    const policy = proactivePlanner({
      forecaster: {
        name: 'streamed-forecast',
        forecast(series, origin, horizon) {
          const byEnd = new Map(given.points.map((p) => [p.endSeconds, p.q]));
          return Array.from({ length: horizon }, (_, i) => byEnd.get(series.startSeconds + (origin + i + 2) * step) ?? { p50: NaN, p90: NaN, p99: NaN });
        },
      },
      history: { startSeconds: Math.floor((first.view.now - first.view.windowSeconds) / step) * step, stepSeconds: step, values: new Float64Array(0) },
      bootDelaySeconds: o.bootDelaySeconds,
      controlSeconds: step,
      quantile: o.quantile,
      scaleInDelaySeconds: o.scaleInDelaySeconds,
      warmStartSeconds: 0,
    });
    let decision: ScaleDecision | undefined;
    for (const t of ticks) {
      given = t;
      decision = policy.decide(t.view);
    }
    return decision!;
  }
}

/** A task silent this long has stopped (a heartbeat comes every minute while it holds jobs): its backlog no longer counts. */
const BACKLOG_STALE_MS = 5 * 60_000;

/**
 * The scheduler's queued work for the pool, as core-seconds of backlog: the work waiting, but
 * no more than starting every queued job at once would take over one step (a queue of long jobs
 * needs their cores now, not their whole work within one step).
 */
export function queuedBacklog(backlog: PlannerState['backlog'], nowMs: number, stepSeconds: number): number {
  let coreSeconds = 0;
  for (const b of Object.values(backlog ?? {})) {
    if (nowMs - b.atMs > BACKLOG_STALE_MS) continue;
    coreSeconds += Math.min(b.coreSeconds, b.cores * stepSeconds);
  }
  return coreSeconds;
}

function metricsOf(m: ClusterMetrics): NonNullable<PlannerState['metrics']> {
  return {
    instancesRunning: m.instancesRunning,
    instancesBooting: m.instancesBooting,
    coresPerInstance: m.instancesRunning > 0 ? m.cpuCapacityMillicores / 1000 / m.instancesRunning : 1,
    // Reserved capacity counts as used: see coresDemanded in the forecaster.
    utilization: Math.max(m.cpuUtilization, m.reservedFraction ?? 0),
    queueDepth: m.queueDepth,
  };
}

function command(pool: string, f: ClusterLoadForecast, d: ScaleDecision, current: number, atMs: number, bootDelaySeconds: number): ScaleCommand {
  const out = d.desired > current;
  return {
    commandId: `${pool}@${atMs}`,
    pool,
    issuedAt: new Date(atMs),
    action: out ? 'SCALE_OUT' : 'SCALE_IN',
    targetInstances: d.desired,
    deltaInstances: null,
    effectiveBy: new Date(out ? atMs + bootDelaySeconds * 1000 : atMs),
    reason: reasons[d.reason],
    explanation: `${current} -> ${d.desired} instances: ${d.explanation}`,
    forecastId: f.forecastId,
  };
}

function sumOverPools(pools: Pick<KeyValueStore<PlannerState>, 'entries'>, of: (p: PlannerState) => number): number {
  let sum = 0;
  for (const [, p] of pools.entries()) sum += of(p);
  return sum;
}
