import { ManualClock } from '../runtime/clock';
import { ProcessorTestDriver } from '../runtime/test-driver';
import { localTopics } from '../processors/event-topics';
import { schedulerProcessor } from '../processors/scheduler';
import { benchPrediction, benchTelemetry } from './scheduler-records';

export interface SchedulerQueueBenchOptions {
  /** Queued jobs behind a full pool, one measurement each; the first is the baseline (usually 0). */
  depths: number[];
  /** Jobs running at once: what fills the pool. */
  running: number;
  /** Instances the pool has: the task's bins, over which `running` is spread evenly. */
  instances: number;
  /** Runs ended (each followed by a new request) per measurement. */
  cycles: number;
  users: number;
  /** Milliseconds of this process's CPU time. */
  cpuClock: () => number;
  log: (line: string) => void;
}

export interface SchedulerQueueDepthFigure {
  queued: number;
  records_per_cpu_second: number;
  /** CPU per ended run: its telemetry, the dispatch pass it starts, and the next request's admission. */
  us_per_ended_run: number;
  /** records_per_cpu_second over the first depth's. */
  ratio_to_baseline: number;
}

export interface SchedulerQueueBenchReport {
  running: number;
  instances: number;
  cycles: number;
  users: number;
  depths: SchedulerQueueDepthFigure[];
}

const T0 = Date.UTC(2026, 0, 1);
/** Event time between records: ten milliseconds, so no queued job reaches the ageing cap (30 min) and none is a stopper. */
const GAP_MS = 10;
/** Cores a bench prediction reserves: the scheduler's least (see benchPrediction). */
const CORES_PER_JOB = 0.1;

/**
 * What a dispatch pass costs one scheduler task when its pool is full and jobs wait: each run's
 * end frees the room of one job, which the task fills from its queue, and a new request joins
 * the queue, so the depth stays put. Through the processor itself (stores in memory, no Kafka),
 * once per depth on a fresh task. Records per CPU-second should not fall with the depth in
 * proportion: a pass must not cost a look at every bin for every queued job.
 */
export function runSchedulerQueueBench(o: SchedulerQueueBenchOptions): SchedulerQueueBenchReport {
  if (o.running % o.instances !== 0) throw new RangeError(`running (${o.running}) must be a multiple of instances (${o.instances})`);
  const figures: Omit<SchedulerQueueDepthFigure, 'ratio_to_baseline'>[] = [];
  for (const queued of o.depths) {
    const cpuMs = measureDepth(o, queued);
    figures.push({ queued, records_per_cpu_second: (2 * o.cycles) / (cpuMs / 1000), us_per_ended_run: (1000 * cpuMs) / o.cycles });
    o.log(`bench scheduler-queue: ${queued} queued, ${((1000 * cpuMs) / o.cycles).toFixed(1)} µs per ended run`);
  }
  const baseline = figures[0]!.records_per_cpu_second;
  return {
    running: o.running, instances: o.instances, cycles: o.cycles, users: o.users,
    depths: figures.map((f) => ({ ...f, ratio_to_baseline: f.records_per_cpu_second / baseline })),
  };
}

/** CPU milliseconds for `o.cycles` ended runs with `queued` jobs waiting. */
function measureDepth(o: SchedulerQueueBenchOptions, queued: number): number {
  const clock = new ManualClock(T0);
  const processor = schedulerProcessor({
    topics: localTopics(() => clock.now()),
    maxQueue: Math.max(1, queued),
    // One task holds the whole pool; cores bind (memory is ample), a job's room is what one run frees.
    capacity: {
      pool: 'bench', tasks: 1, instances: o.instances,
      instanceCores: (CORES_PER_JOB * o.running) / o.instances, instanceMemoryBytes: 1024 ** 4,
    },
  });
  const driver = new ProcessorTestDriver(processor, { clock });
  const startedAt = new Map<number, { instanceId: string; atMs: number }>();
  let next = 0;
  const admit = () => {
    const i = next++;
    const at = T0 + i * GAP_MS;
    clock.set(at);
    const userId = `user-${i % o.users}`;
    driver.pipeInput('predictions', { key: userId, value: benchPrediction(i, at, userId) });
  };
  // Runs end in the order they were dispatched, as the dispatches say (the queue is not FIFO).
  const dispatchOrder: number[] = [];
  let ending = 0;
  const collect = () => {
    for (const { value: d } of driver.readOutput('dispatches')) {
      if (!d) throw new Error('the scheduler wrote a dispatch without a value');
      const i = Number(d.requestId.slice('bench-'.length));
      startedAt.set(i, { instanceId: d.instanceId, atMs: d.dispatchedAt.getTime() });
      dispatchOrder.push(i);
    }
    driver.readRawOutput('backlog');
    const letters = driver.readDeadLetters();
    if (letters.length > 0) throw new Error(`the scheduler dead-lettered ${letters.length} records, the first for: ${letters[0]!.reason}`);
  };
  for (let k = 0; k < o.running + queued; k++) admit();
  collect();
  if (dispatchOrder.length !== o.running) throw new Error(`${dispatchOrder.length} of ${o.running} jobs dispatched: the bench's pool is sized wrong`);
  const cpuStart = o.cpuClock();
  for (let k = 0; k < o.cycles; k++) {
    const i = dispatchOrder[ending++]!;
    const run = startedAt.get(i)!;
    startedAt.delete(i);
    const userId = `user-${i % o.users}`;
    driver.pipeInput('telemetry', { key: userId, value: benchTelemetry(i, userId, run.instanceId, run.atMs, T0 + next * GAP_MS) });
    admit();
    collect();
  }
  const cpuMs = o.cpuClock() - cpuStart;
  const stillQueued = driver.store('queue').size;
  if (stillQueued !== queued) throw new Error(`${stillQueued} jobs queued at the end, expected ${queued}: the pool did not stay full`);
  return cpuMs;
}
