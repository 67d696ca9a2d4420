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
  /**
   * How far behind stream time a dispatch may arrive. Default 0: dispatches come in order. A live
   * replay, where dispatches from several scheduler tasks interleave with the replay's
   * prm.pool-clock, takes NEVER_LATE_MS: a dispatch behind the pool's time then starts at the
   * pool's time, as a job reaching a real cluster late would.
   */
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
 * Time: the pool's own events happen when its time passes them. Its time is the latest of its
 * inputs' event times: dispatches, scale commands, and the replay's prm.pool-clock, which keeps
 * time passing (jobs ending, samples, boots) while no job arrives. All three inputs are keyed by
 * pool and co-partitioned, so one task holds the whole pool.
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
      clock: o.topics.topic('prm.pool-clock', 'PoolClock'),
    },
    outputs,
    stores,
    eventTime: {
      allowedLatenessMs: o.allowedLatenessMs ?? 0,
      timestamp: (r) =>
        r.input === 'dispatches' ? r.value.dispatchedAt.getTime() : r.input === 'scaleCommands' ? r.value.issuedAt.getTime() : r.value.at.getTime(),
    },
    process(ctx, record) {
      if (record.value.pool !== c.pool) return; // another pool's executor serves it
      const state = load(ctx);
      emit(ctx, advanceTo(state, c, ctx.eventTime));
      const now = state.now; // the event time, or the pool's own if the record arrived behind it
      if (record.input === 'dispatches') {
        const d = record.value;
        const job: PoolJob = { requestId: d.requestId, userId: d.userId, preferredInstance: d.instanceId, allocation: d.allocation, usage: usageOf(d) };
        emit(ctx, dispatch(state, c, job, now));
      } else if (record.input === 'scaleCommands') {
        emit(ctx, applyScale(state, c, record.value, now));
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
