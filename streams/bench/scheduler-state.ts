import { ManualClock } from '../runtime/clock';
import { ProcessorTestDriver } from '../runtime/test-driver';
import { localTopics } from '../processors/event-topics';
import { schedulerProcessor } from '../processors/scheduler';
import { benchPrediction, benchTelemetry } from './scheduler-records';

export interface SchedulerStateBenchOptions {
  /** Jobs kept running (dispatched, their telemetry not yet come) while the others come and go. */
  running: number;
  /** Runs dispatched and then settled by their telemetry. */
  ended: number;
  /** Request ids the task remembers as dispatched (the scheduler's recentRequests.maxIds). */
  recentIds: number;
  users: number;
  /** Bytes in use (heap plus array buffers); called after `gc`. */
  memory: () => number;
  gc: () => void;
  /** Milliseconds of this process's CPU time. */
  cpuClock: () => number;
  log: (line: string) => void;
}

export interface SchedulerStateBenchReport {
  running: number;
  ended: number;
  recent_ids: number;
  users: number;
  bytes_per_running_job: number;
  /** Retained per ended run over the first half, while the remembered ids fill up to `recent_ids` and turn over once. */
  bytes_per_ended_run_filling: number;
  /** Retained per ended run over the second half, when all is at its bounds: what grows with the runs a task has seen. */
  bytes_per_ended_run_after: number;
  /** Predictions and telemetry records handled per CPU-second, over the ended runs. */
  records_per_cpu_second: number;
  event_seconds: number;
}

const T0 = Date.UTC(2026, 0, 1);
/** Event time between submissions: a thousand a second, so the remembered ids' day of retention never passes. */
const GAP_MS = 1;
const MIB = 1024 ** 2;

/**
 * What one scheduler task holds per job, measured through the processor itself (its stores in
 * memory, as the runtime keeps them, without Kafka): the state of each running job, and what
 * stays behind each run that ended. A task's state must be bounded by its running and queued
 * jobs and its configured memories (the dispatched ids), not by how many runs it has seen: the
 * last figure is that check. The ended runs go in two halves. The first fills the remembered ids
 * and turns them over once (their order's arrays reach their steady size), so the second's
 * growth per run is what nothing bounds.
 */
export function runSchedulerStateBench(o: SchedulerStateBenchOptions): SchedulerStateBenchReport {
  if (Math.floor(o.ended / 2) < 2 * o.recentIds) throw new RangeError(`ended (${o.ended}) must be at least four times the remembered ids (${o.recentIds})`);
  const clock = new ManualClock(T0);
  const processor = schedulerProcessor({
    topics: localTopics(() => clock.now()),
    // Room for every running job: the bench measures state, not waiting.
    capacity: { pool: 'bench', instances: 1, instanceCores: 4 * o.running, instanceMemoryBytes: 4 * o.running * 1024 * MIB },
    recentRequests: { maxIds: o.recentIds },
  });
  const driver = new ProcessorTestDriver(processor, { clock });
  let next = 0;
  const admit = () => {
    const i = next++;
    const at = T0 + i * GAP_MS;
    // Wall time keeps up with event time: records stamped ahead of it are refused as from the future.
    clock.set(at);
    const userId = `user-${i % o.users}`;
    driver.pipeInput('predictions', { key: userId, value: benchPrediction(i, at, userId) });
  };
  const settle = (i: number) => {
    const userId = `user-${i % o.users}`;
    driver.pipeInput('telemetry', { key: userId, value: benchTelemetry(i, userId, 'bench-0', T0 + i * GAP_MS, T0 + next * GAP_MS) });
  };
  const drop = () => {
    driver.readRawOutput('dispatches');
    driver.readRawOutput('backlog');
    const letters = driver.readDeadLetters();
    if (letters.length > 0) throw new Error(`the scheduler dead-lettered ${letters.length} records, the first for: ${letters[0]!.reason}`);
  };

  o.gc();
  const empty = o.memory();
  for (let k = 0; k < o.running; k++) admit();
  drop();
  o.gc();
  const withRunning = o.memory();
  const dispatched = driver.gauge('running_jobs');
  if (dispatched !== o.running) throw new Error(`${dispatched} of ${o.running} jobs dispatched: the bench's pool is too small`);
  o.log(`bench scheduler: ${o.running} running jobs, ${((withRunning - empty) / o.running).toFixed(0)} bytes each`);

  const half = Math.floor(o.ended / 2);
  const cpuStart = o.cpuClock();
  const endHalf = () => {
    for (let k = 0; k < half; k++) {
      settle(next - o.running);
      admit();
      if (k % 10_000 === 0) drop();
    }
    drop();
  };
  endHalf();
  o.gc();
  const filled = o.memory();
  o.log(`bench scheduler: ${half} runs ended, ${((filled - withRunning) / half).toFixed(1)} bytes retained each (the remembered ids fill up and turn over)`);
  endHalf();
  const cpuMs = o.cpuClock() - cpuStart;
  o.gc();
  const after = o.memory();
  o.log(`bench scheduler: ${half} more ended, ${((after - filled) / half).toFixed(1)} bytes retained each`);
  if (driver.gauge('running_jobs') !== o.running) throw new Error(`${driver.gauge('running_jobs')} jobs running, expected ${o.running}: some were settled or lost`);
  return {
    running: o.running, ended: 2 * half, recent_ids: o.recentIds, users: o.users,
    bytes_per_running_job: (withRunning - empty) / o.running,
    bytes_per_ended_run_filling: (filled - withRunning) / half,
    bytes_per_ended_run_after: (after - filled) / half,
    records_per_cpu_second: (2 * o.ended) / (cpuMs / 1000),
    event_seconds: ((next - 1) * GAP_MS) / 1000,
  };
}
