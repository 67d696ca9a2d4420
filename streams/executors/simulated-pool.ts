import type { JobDispatch } from '../../schemas/types.generated';
import type { EventTopics } from '../processors/event-topics';
import { jsonSerde } from '../runtime/serde';
import { defineProcessor, keyValueStore, type ProcessorContext, timerCanFire } from '../runtime/topology';
import {
  advanceTo, applyScale, dispatch, type JobUsage, newPool, type PoolConfig, type PoolEffects, type PoolJob, type PoolMeta, poolOf,
  type PoolState, type RunningJob, validatePoolConfig, type WaitingJob,
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

/** How an earlier version stored a pool: one entry, its jobs inside. */
type WholePoolEntry = Omit<PoolMeta, 'nextArrival'> & { running: RunningJob[]; waiting: PoolJob[] };

function isWholePoolEntry(entry: PoolMeta | WholePoolEntry): entry is WholePoolEntry {
  return Array.isArray((entry as Partial<WholePoolEntry>).running);
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
 * (an event-time timer, where timers can fire: see `emit`); scale commands launch instances that
 * are ready after the boot delay, or remove idle ones; every `sampleIntervalMs` of event time a ClusterMetrics sample describes the
 * pool. The pool's instances and counters are one store entry, keyed by pool name, and each of its
 * jobs is one (running or waiting), keyed by request id, so a commit logs what changed in it.
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
  const allowedLatenessMs = o.allowedLatenessMs ?? 0;
  const outputs = {
    telemetry: o.topics.topic('prm.telemetry', 'ExecutionTelemetry'),
    metrics: o.topics.topic('prm.cluster-metrics', 'ClusterMetrics'),
  };
  const stores = {
    pools: keyValueStore(jsonSerde<PoolMeta>()),
    running: keyValueStore(jsonSerde<RunningJob>()),
    waiting: keyValueStore(jsonSerde<WaitingJob>()),
  };
  type Ctx = ProcessorContext<typeof stores, typeof outputs>;
  /** Each task's pool in memory, built from its stores when the task (re)opens. */
  const pools = new WeakMap<object, PoolState>();

  const load = (ctx: Ctx): PoolState => {
    const known = pools.get(ctx);
    if (known) return known;
    const meta = ctx.store('pools').get(c.pool);
    let state: PoolState;
    if (meta && isWholePoolEntry(meta)) {
      state = adoptWholePoolEntry(ctx, meta);
    } else if (meta) {
      state = poolOf(meta, [...ctx.store('running').entries()].map(([, r]) => r), [...ctx.store('waiting').entries()].map(([, w]) => w));
    } else {
      const fresh = newPool(c, ctx.eventTime);
      emit(ctx, fresh.effects);
      state = fresh.state;
    }
    pools.set(ctx, state);
    return state;
  };
  /** A pool stored whole by an earlier version: its jobs move to entries of their own. */
  const adoptWholePoolEntry = (ctx: Ctx, { running, waiting, ...rest }: WholePoolEntry): PoolState => {
    const meta: PoolMeta = { ...rest, nextArrival: waiting.length };
    const queued = waiting.map((job, arrival) => ({ ...job, arrival }));
    for (const r of running) ctx.store('running').put(r.requestId, r);
    for (const w of queued) ctx.store('waiting').put(w.requestId, w);
    ctx.store('pools').put(c.pool, meta);
    return poolOf(meta, running, queued);
  };
  /** Sends what a step produced and writes the jobs it changed, in the order they changed. */
  const emit = (ctx: Ctx, effects: PoolEffects) => {
    for (const t of effects.telemetry) ctx.forward('telemetry', { key: t.userId, value: t, timestamp: t.endedAt.getTime() });
    for (const m of effects.metrics) ctx.forward('metrics', { key: m.pool, value: m, timestamp: m.at.getTime() });
    // Dispatches allowed behind the pool's time without bound hold the watermark back for good, so
    // no timer can fire (the runtime refuses them): the pool's time then moves with its inputs
    // alone, the replay's prm.pool-clock among them, as `advanceTo` at each record.
    for (const t of effects.timers) if (timerCanFire(t.at, allowedLatenessMs)) ctx.schedule(t);
    const waiting = ctx.store('waiting');
    const running = ctx.store('running');
    for (const w of effects.queued) waiting.put(w.requestId, w);
    for (const r of effects.started) {
      waiting.delete(r.requestId);
      running.put(r.requestId, r);
    }
    for (const id of effects.ended) running.delete(id);
  };
  /** One step on the task's pool; a step that throws leaves the pool in memory unknown, so the next one rebuilds it from the stores. */
  const step = (ctx: Ctx, change: (state: PoolState) => void) => {
    try {
      const state = load(ctx);
      change(state);
      ctx.store('pools').put(c.pool, state.meta);
    } catch (err) {
      pools.delete(ctx);
      throw err;
    }
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
      allowedLatenessMs,
      timestamp: (r) =>
        r.input === 'dispatches' ? r.value.dispatchedAt.getTime() : r.input === 'scaleCommands' ? r.value.issuedAt.getTime() : r.value.at.getTime(),
    },
    process(ctx, record) {
      if (record.value.pool !== c.pool) return; // another pool's executor serves it
      step(ctx, (state) => {
        emit(ctx, advanceTo(state, c, ctx.eventTime));
        const now = state.meta.now; // the event time, or the pool's own if the record arrived behind it
        if (record.input === 'dispatches') {
          const d = record.value;
          const job: PoolJob = { requestId: d.requestId, userId: d.userId, preferredInstance: d.instanceId, allocation: d.allocation, usage: usageOf(d), attempt: d.attempt ?? 1 };
          emit(ctx, dispatch(state, c, job, now));
        } else if (record.input === 'scaleCommands') {
          emit(ctx, applyScale(state, c, record.value, now));
        }
      });
    },
    onTimer(ctx, timer) {
      step(ctx, (state) => emit(ctx, advanceTo(state, c, timer.at)));
    },
  });
}
