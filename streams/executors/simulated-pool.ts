import type { JobDispatch } from '../../schemas/types.generated';
import type { EventTopics } from '../processors/event-topics';
import { jsonSerde } from '../runtime/serde';
import { defineProcessor, keyValueStore, type ProcessorContext } from '../runtime/topology';
import {
  advanceTo, applyScale, dispatch, type JobUsage, newPool, type PoolConfig, type PoolEffects, type PoolJob, type PoolState,
  validatePoolConfig,
} from './pool-core';

export interface SimulatedPoolOptions {
  topics: EventTopics;
  config: PoolConfig;
  /**
   * What a dispatched job really uses. For a replay this is the trace's truth for the request
   * (see `usageFromWorkload`); undefined falls back to `allocatedUsage`.
   */
  usage?(dispatch: JobDispatch): JobUsage | undefined;
  /** How far behind stream time a dispatch may arrive. Default 0: dispatches come in order. */
  allowedLatenessMs?: number;
}

/**
 * Without the truth, the allocation is the best prediction there is: the job uses its reserved
 * CPU and memory for its whole wall-clock limit. Pessimistic, and says so by construction.
 */
export function allocatedUsage(d: JobDispatch): JobUsage {
  const { cpuMillicores, memoryBytes, timeoutMs } = d.allocation;
  return { durationMs: timeoutMs, cpuMs: (cpuMillicores / 1000) * timeoutMs, peakMemoryBytes: memoryBytes, ioReadBytes: 0, ioWriteBytes: 0 };
}

/**
 * A simulated VM pool for replays, on the stream runtime: dispatches start jobs on instances with
 * room, each runs for its usage in event time and its ExecutionTelemetry is emitted when it ends
 * (an event-time timer); scale commands launch instances that are ready after the boot delay, or
 * remove idle ones; every `sampleIntervalMs` of event time a ClusterMetrics sample describes the
 * pool. The whole pool is one store entry, keyed by pool name.
 *
 * Deployment: one pool is one task, so both inputs must reach the same single task: run it on
 * single-partition dispatch and scale-command topics (a replay catalogue), as the runtime refuses
 * inputs that are not co-partitioned.
 */
export function simulatedPoolProcessor(o: SimulatedPoolOptions) {
  const c = o.config;
  validatePoolConfig(c);
  const usageOf = (d: JobDispatch) => o.usage?.(d) ?? allocatedUsage(d);
  const outputs = {
    telemetry: o.topics.topic('prm.telemetry', 'ExecutionTelemetry'),
    metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics'),
  };
  const stores = { pools: keyValueStore(jsonSerde<PoolState>()) };
  type Ctx = ProcessorContext<typeof stores, typeof outputs>;

  const load = (ctx: Ctx): PoolState => {
    const existing = ctx.store('pools').get(c.pool);
    if (existing) return existing;
    const fresh = newPool(c, ctx.eventTime);
    emit(ctx, fresh.effects);
    return fresh.state;
  };
  const emit = (ctx: Ctx, effects: PoolEffects) => {
    for (const t of effects.telemetry) ctx.forward('telemetry', { key: t.userId, value: t, timestamp: t.endedAt.getTime() });
    for (const m of effects.metrics) ctx.forward('metrics', { key: m.pool, value: m, timestamp: m.at.getTime() });
    for (const t of effects.timers) ctx.schedule(t);
  };

  return defineProcessor({
    name: `simulated-pool-${c.pool}`,
    inputs: {
      dispatches: o.topics.topic('prm.dispatches', 'JobDispatch'),
      scaleCommands: o.topics.topic('prm.scale-commands', 'ScaleCommand'),
    },
    outputs,
    stores,
    eventTime: {
      allowedLatenessMs: o.allowedLatenessMs ?? 0,
      timestamp: (r) => (r.input === 'dispatches' ? r.value.dispatchedAt.getTime() : r.value.issuedAt.getTime()),
    },
    process(ctx, record) {
      if (record.value.pool !== c.pool) return; // another pool's executor serves it
      const state = load(ctx);
      emit(ctx, advanceTo(state, c, ctx.eventTime));
      if (record.input === 'dispatches') {
        const d = record.value;
        const job: PoolJob = { requestId: d.requestId, userId: d.userId, preferredInstance: d.instanceId, allocation: d.allocation, usage: usageOf(d) };
        emit(ctx, dispatch(state, c, job, ctx.eventTime));
      } else {
        emit(ctx, applyScale(state, c, record.value, ctx.eventTime));
      }
      ctx.store('pools').put(c.pool, state);
    },
    onTimer(ctx, timer) {
      const state = load(ctx);
      emit(ctx, advanceTo(state, c, timer.at));
      ctx.store('pools').put(c.pool, state);
    },
  });
}
