import { bestFit, type Bin } from '../../models/scheduling/placement';
import { Scheduler, type QueuedJob } from '../../models/scheduling/scheduler';
import { userKeyedPartitions } from '../../schemas/topics';
import type { JobDispatch, PredictedDemand, UserTier } from '../../schemas/types.generated';
import { ConfigError } from '../runtime/errors';
import { jsonSerde, numberSerde } from '../runtime/serde';
import { defineProcessor, keyValueStore, type ProcessorContext } from '../runtime/topology';
import { NEVER_LATE_MS, type EventTopics } from './event-topics';

const MIB = 1024 * 1024;

/** The instances the scheduler places jobs on, and how a prediction becomes a reservation. */
export interface SchedulerPoolConfig {
  pool: string;
  /**
   * Instances assumed running until the pool's first prm.fleet sample says how many there are.
   * Each scheduler task places jobs on its part of the running instances (see `taskBins`).
   */
  instances: number;
  instanceCores: number;
  instanceMemoryBytes: number;
  /** Scheduler tasks (partitions of prm.demand-predictions). Default the user-keyed partition count. */
  tasks?: number;
  /** CPU reserved per job is predicted CPU time over predicted duration, within these bounds. Defaults 0.1 and 1 core. */
  minCores?: number;
  maxCoresPerJob?: number;
  /** Memory reserved: the p99 prediction, at least this. Default 64 MiB. */
  minMemoryBytes?: number;
  /** Wall-clock limit: the p99 duration times this factor, within the bounds below. Default 3. */
  timeoutFactor?: number;
  minTimeoutMs?: number;
  maxTimeoutMs?: number;
}

export interface SchedulerProcessorOptions {
  topics: EventTopics;
  capacity: SchedulerPoolConfig;
  /** Queue bound per task; a prediction arriving at a full queue is dead-lettered. Default 10,000. */
  maxQueue?: number;
}

/** A queued job as stored: what the scheduler needs to rebuild its queue after a restore. */
export interface QueuedEntry {
  requestId: string;
  userId: string;
  tier: UserTier;
  priority: number;
  submittedAtMs: number;
  cores: number;
  memoryBytes: number;
  timeoutMs: number;
  durationP50Ms: number;
  durationP90Ms: number;
  /** Admission order: the FIFO tie-break, kept across restores. */
  seq: number;
}

/** What the scheduler keeps of the pool's latest prm.fleet sample. */
export interface FleetEntry {
  instancesRunning: number;
  atMs: number;
}

/** A dispatched job holding capacity until its telemetry arrives. */
export interface RunningEntry {
  instanceId: string;
  cores: number;
  memoryBytes: number;
}

// Tier first, then requested priority within the tier: models/scheduling ranks tier 0 highest.
const tierRank: Record<UserTier, number> = { ENTERPRISE: 0, PREMIUM: 1, STANDARD: 2, FREE: 3 };
const prioritiesPerTier = 10;

/**
 * Predictions in, a durable priority queue per task, JobDispatch out when a job fits this task's
 * part of the running instances; telemetry of a dispatched job frees its reservation, and the
 * pool's samples on prm.fleet (broadcast to every task) resize that part as instances come and go. Everything the queue is lives
 * in changelogged stores (the queue, the running reservations and the admission counter), so
 * a restored task dispatches exactly what the crashed one would have. Ordering and placement
 * are models/scheduling's: its score (tier, predicted size, ageing) with FIFO ties, best fit.
 */
export function schedulerProcessor(o: SchedulerProcessorOptions) {
  const c = checkSchedulerPool(o.capacity);
  const maxQueue = o.maxQueue ?? 10_000;
  const scheduler = () =>
    new Scheduler({
      tiers: 4 * prioritiesPerTier,
      maxQueue,
      limits: { instanceCores: c.instanceCores, instanceMemory: c.instanceMemoryBytes, maxInstances: c.instances },
    });

  return defineProcessor({
    name: 'scheduler',
    inputs: {
      predictions: o.topics.topic('prm.demand-predictions', 'PredictedDemand'),
      telemetry: o.topics.topic('prm.telemetry', 'ExecutionTelemetry'),
      fleet: o.topics.topic('prm.fleet', 'ClusterMetrics'),
    },
    outputs: { dispatches: o.topics.topic('prm.dispatches', 'JobDispatch') },
    stores: {
      queue: keyValueStore(jsonSerde<QueuedEntry>()),
      running: keyValueStore(jsonSerde<RunningEntry>()),
      sequence: keyValueStore(numberSerde),
      fleet: keyValueStore(jsonSerde<FleetEntry>()),
    },
    eventTime: {
      allowedLatenessMs: NEVER_LATE_MS, // every prediction is queued and dispatched
      timestamp: (r) =>
        r.input === 'predictions' ? r.value.predictedAt.getTime() : r.input === 'telemetry' ? r.value.endedAt.getTime() : r.value.at.getTime(),
    },
    onError: 'dead-letter',
    process(ctx, record) {
      if (record.input === 'predictions') {
        const queue = ctx.store('queue');
        const id = record.value.requestId;
        // A redelivered prediction must not queue or dispatch the job twice.
        if (queue.get(id) || ctx.store('running').get(id)) return;
        if (queue.size >= maxQueue) throw new Error(`queue of task ${ctx.partition} holds its limit of ${maxQueue} jobs; ${id} not admitted`);
        const seq = ctx.store('sequence').get('next') ?? 0;
        ctx.store('sequence').put('next', seq + 1);
        queue.put(id, queued(record.value, seq));
      } else if (record.input === 'telemetry') {
        ctx.store('running').delete(record.value.requestId);
      } else {
        if (record.value.pool !== c.pool) return;
        const fleet = ctx.store('fleet');
        const known = fleet.get(c.pool);
        if (known && known.atMs > record.value.at.getTime()) return; // an older sample, overtaken
        fleet.put(c.pool, { instancesRunning: record.value.instancesRunning, atMs: record.value.at.getTime() });
      }
      dispatchWhatFits(ctx);
    },
  });

  function queued(p: PredictedDemand, seq: number): QueuedEntry {
    const cores = clamp(p.cpuMs.p50 / Math.max(1, p.durationMs.p50), c.minCores, Math.min(c.maxCoresPerJob, c.instanceCores));
    return {
      requestId: p.requestId,
      userId: p.userId,
      tier: p.tier,
      priority: p.priority,
      submittedAtMs: p.submittedAt.getTime(),
      cores,
      memoryBytes: clamp(p.peakMemoryBytes.p99, c.minMemoryBytes, c.instanceMemoryBytes),
      timeoutMs: Math.round(clamp(p.durationMs.p99 * c.timeoutFactor, c.minTimeoutMs, c.maxTimeoutMs)),
      durationP50Ms: p.durationMs.p50,
      durationP90Ms: p.durationMs.p90,
      seq,
    };
  }

  type Ctx = ProcessorContext<ReturnType<typeof schedulerProcessor>['stores'], ReturnType<typeof schedulerProcessor>['outputs']>;

  function dispatchWhatFits(ctx: Ctx): void {
    const queue = ctx.store('queue');
    if (queue.size === 0) return;
    const running = ctx.store('running');
    const bins = taskBins(ctx.partition, ctx.store('fleet').get(c.pool)?.instancesRunning ?? c.instances, c);
    if (bins.length === 0) return;
    const widest = Math.max(...bins.map((b) => b.freeCores));
    const roomiest = Math.max(...bins.map((b) => b.freeMemory));
    for (const [, r] of running.entries()) {
      const bin = bins.find((b) => b.id === r.instanceId);
      if (bin) {
        bin.freeCores -= r.cores;
        bin.freeMemory -= r.memoryBytes;
      }
    }
    const entries = [...queue.entries()].map(([, e]) => e).sort((a, b) => a.seq - b.seq);
    const s = scheduler();
    for (const e of entries) {
      const admission = s.admit(
        { id: e.requestId, user: e.userId, tier: tierIndex(e), arrival: e.submittedAtMs / 1000, cores: e.cores, memory: e.memoryBytes, replicas: 1 },
        { p50: e.durationP50Ms / 1000, p90: e.durationP90Ms / 1000 },
      );
      if (!admission.admitted) throw new Error(admission.explanation);
    }
    const now = ctx.eventTime / 1000;
    const byId = new Map(entries.map((e) => [e.requestId, e]));
    for (const job of s.ordered(now)) {
      // A job bigger than this task's share of an instance reserves the whole share: the pool
      // runs it on a whole instance, and the reservation still throttles this task.
      const cores = Math.min(job.job.cores, widest);
      const memory = Math.min(job.job.memory, roomiest);
      const [placed] = bestFit(bins, cores, memory, 1, c.instanceCores, c.instanceMemoryBytes);
      if (!placed) continue;
      placed.bin.freeCores -= cores;
      placed.bin.freeMemory -= memory;
      const entry = byId.get(job.job.id)!;
      const priority = breakdown(s, job, now);
      s.dispatch(job.job.id, now);
      queue.delete(entry.requestId);
      running.put(entry.requestId, { instanceId: placed.bin.id, cores, memoryBytes: memory });
      const dispatch: JobDispatch = {
        requestId: entry.requestId,
        userId: entry.userId,
        pool: c.pool,
        instanceId: placed.bin.id,
        dispatchedAt: new Date(ctx.eventTime),
        allocation: { cpuMillicores: Math.round(entry.cores * 1000), memoryBytes: Math.round(entry.memoryBytes), timeoutMs: entry.timeoutMs },
        queuedMs: Math.max(0, ctx.eventTime - entry.submittedAtMs),
        priorityScore: job.score,
        priority,
      };
      ctx.forward('dispatches', { key: c.pool, value: dispatch });
    }
  }

}

/**
 * The part of the running instances scheduler task `partition` places jobs on, so that the tasks
 * never reserve the same capacity twice. With at least as many instances as tasks, task p owns
 * the whole instances whose index is p modulo the task count; with fewer, the tasks share: task
 * p gets an equal fraction of instance p modulo the instance count. Every task always has some
 * capacity, so no user's partition waits for the fleet to outgrow the task count.
 */
export function taskBins(partition: number, instancesRunning: number, c: Required<SchedulerPoolConfig>): (Bin & { id: string })[] {
  const n = Math.max(0, Math.floor(instancesRunning));
  const bins: (Bin & { id: string })[] = [];
  if (n >= c.tasks) {
    for (let i = partition; i < n; i += c.tasks) bins.push({ id: `${c.pool}-${i}`, freeCores: c.instanceCores, freeMemory: c.instanceMemoryBytes });
    return bins;
  }
  if (n === 0) return bins;
  const instance = partition % n;
  const sharers = Math.floor((c.tasks - 1 - instance) / n) + 1; // tasks q < tasks with q % n === instance
  bins.push({ id: `${c.pool}-${instance}`, freeCores: c.instanceCores / sharers, freeMemory: c.instanceMemoryBytes / sharers });
  return bins;
}

/**
 * Splits the model's score into the event's parts by asking the model itself: the ageing term
 * is what the score loses if the job had just arrived, the size term what it loses if the job
 * were unboundedly large; the rest is the tier term less the user's fair-share penalty.
 */
function breakdown(s: Scheduler, q: QueuedJob & { score: number }, now: number): JobDispatch['priority'] {
  const aging = q.score - s.score({ ...q, job: { ...q.job, arrival: now } }, now);
  const size = q.score - s.score({ ...q, forecast: { p50: Infinity, p90: Infinity } }, now);
  const base = q.score - aging - size;
  return {
    base,
    aging,
    size,
    deadlineUrgency: 0,
    explanation:
      `score ${q.score.toFixed(3)} = tier/priority and fair share ${base.toFixed(3)} + ageing ${aging.toFixed(3)} ` +
      `+ predicted size ${size.toFixed(3)}; deadlines are not part of the scheduling model's score`,
  };
}

function tierIndex(e: QueuedEntry): number {
  return tierRank[e.tier] * prioritiesPerTier + (prioritiesPerTier - 1 - e.priority);
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Number.isFinite(x) ? x : hi));
}

export function checkSchedulerPool(p: SchedulerPoolConfig): Required<SchedulerPoolConfig> {
  const c: Required<SchedulerPoolConfig> = {
    tasks: userKeyedPartitions, minCores: 0.1, maxCoresPerJob: 1, minMemoryBytes: 64 * MIB,
    timeoutFactor: 3, minTimeoutMs: 1000, maxTimeoutMs: 5 * 60_000, ...p,
  };
  if (!/^[a-zA-Z0-9._-]+$/.test(c.pool)) throw new ConfigError(`pool name '${c.pool}' must match [a-zA-Z0-9._-]+`);
  if (!Number.isInteger(c.tasks) || c.tasks < 1) throw new ConfigError(`tasks must be a positive integer, got ${c.tasks}`);
  if (!Number.isInteger(c.instances) || c.instances < 1) throw new ConfigError(`instances must be a positive integer, got ${c.instances}`);
  if (!(c.instanceCores > 0) || !(c.instanceMemoryBytes > 0)) throw new ConfigError('instanceCores and instanceMemoryBytes must be positive');
  if (!(c.minCores > 0 && c.minCores <= c.maxCoresPerJob && c.minCores <= c.instanceCores)) throw new ConfigError('need 0 < minCores <= maxCoresPerJob and <= instanceCores');
  if (!(c.minMemoryBytes > 0 && c.minMemoryBytes <= c.instanceMemoryBytes)) throw new ConfigError('need 0 < minMemoryBytes <= instanceMemoryBytes');
  if (!(c.timeoutFactor > 0 && c.minTimeoutMs > 0 && c.maxTimeoutMs >= c.minTimeoutMs)) throw new ConfigError('need timeoutFactor > 0 and 0 < minTimeoutMs <= maxTimeoutMs');
  return c;
}
