import type { ClusterMetrics, ExecutionTelemetry, ExitStatus, ResourceAllocation } from '../../schemas/types.generated';
import { KeyedMinHeap } from '../../models/scheduling/min-heap';
import { commandTarget, rememberCommand, type ScalerBounds, validateBounds } from '../scaler/scaler';
import type { ScaleCommand } from '../../schemas/types.generated';

/** A simulated pool's shape: identical instances that take `bootDelayMs` to become ready. */
export interface PoolConfig extends ScalerBounds {
  pool: string;
  instanceCpuMillicores: number;
  instanceMemoryBytes: number;
  /** Disk + network bandwidth of one instance, bytes per second: the denominator of ioUtilization. */
  instanceIoBytesPerSecond: number;
  bootDelayMs: number;
  /** Event-time period of the ClusterMetrics samples. */
  sampleIntervalMs: number;
  /** Instances ready when the pool first sees an event. */
  initialInstances: number;
  /**
   * What the allocated CPU means. 'limit' (default): a hard cap, a job wanting more runs longer.
   * 'request': a scheduling reservation only, as a Kubernetes CPU request without a limit: the job
   * runs at the CPU it wants, up to its instance's cores (contention between jobs is not modelled).
   * A replay takes 'request', or an under-predicted job would be throttled and its measured usage,
   * which the profiles learn from, would confirm the under-prediction.
   */
  cpuAllocation?: 'limit' | 'request';
}

/** What a job really uses when it runs unconstrained: the trace's truth, or a prediction. */
export interface JobUsage {
  durationMs: number;
  cpuMs: number;
  peakMemoryBytes: number;
  ioReadBytes: number;
  ioWriteBytes: number;
  /** How the job ends if no limit stops it first. Default OK. */
  exitStatus?: 'OK' | 'ERROR';
}

export interface SimInstance {
  id: string;
  launchedAt: number;
  readyAt: number;
  freeCpuMillicores: number;
  freeMemoryBytes: number;
  jobs: number;
}

/** A job handed to the pool, as the pool needs it. */
export interface PoolJob {
  requestId: string;
  userId: string;
  /** The instance the scheduler chose; used when it exists, is ready and has room. */
  preferredInstance: string;
  allocation: ResourceAllocation;
  usage: JobUsage;
  /** The dispatch's attempt, reported back in the run's telemetry; absent in jobs stored before it (1). */
  attempt?: number;
}

export interface RunningJob extends PoolJob {
  instanceId: string;
  startedAt: number;
  endsAt: number;
  exitStatus: ExitStatus;
  /** CPU ms per wall ms while it runs. */
  cpuRate: number;
  ioRate: number;
}

/** A dispatched job no ready instance has room for yet. */
export interface WaitingJob extends PoolJob {
  /** Its place in the waiting line (PoolMeta.nextArrival when it came). */
  arrival: number;
}

/**
 * What the pool keeps besides its jobs: plain JSON, small (its instances are bounded by
 * maxInstances), one store entry. The jobs are an entry each: at a few hundred dispatches a
 * second a pool holds thousands, and one entry for all of them outgrew the broker's record limit.
 */
export interface PoolMeta {
  instances: SimInstance[];
  nextInstance: number;
  /** The next waiting job's arrival number. */
  nextArrival: number;
  appliedCommandIds: string[];
  /** Start of the current sample interval and the CPU and I/O done in it so far. */
  sampleSince: number;
  sampleCpuMs: number;
  sampleIoBytes: number;
  /** Instance-milliseconds paid (booting included), up to `accountedAt`. */
  paidInstanceMs: number;
  accountedAt: number;
  /** Event time the pool has been advanced to, and when its next sample is due. */
  now: number;
  nextSampleAt: number;
}

/** Waiting jobs in arrival order. Taking the first is O(1): the consumed front is cut off only once it is most of the array. */
export class WaitingLine {
  private jobs: WaitingJob[] = [];
  private head = 0;
  private readonly byId = new Map<string, WaitingJob>();

  /** A line of `jobs`, put in arrival order. */
  static of(jobs: WaitingJob[]): WaitingLine {
    const line = new WaitingLine();
    for (const job of jobs.sort((a, b) => a.arrival - b.arrival)) line.push(job);
    return line;
  }

  get length(): number {
    return this.jobs.length - this.head;
  }

  first(): WaitingJob | undefined {
    return this.jobs[this.head];
  }

  get(requestId: string): WaitingJob | undefined {
    return this.byId.get(requestId);
  }

  push(job: WaitingJob): void {
    this.jobs.push(job);
    this.byId.set(job.requestId, job);
  }

  shift(): WaitingJob | undefined {
    if (this.head >= this.jobs.length) return undefined;
    const job = this.jobs[this.head++]!;
    this.byId.delete(job.requestId);
    if (this.head >= 1024 && this.head * 2 >= this.jobs.length) {
      this.jobs = this.jobs.slice(this.head);
      this.head = 0;
    }
    return job;
  }
}

/** The pool in memory: its meta and its jobs, indexed for the lookups each event makes. */
export interface PoolState {
  meta: PoolMeta;
  /** Running jobs by request id, soonest end first (ties by request id, for a deterministic order). */
  running: KeyedMinHeap<string, RunningJob>;
  waiting: WaitingLine;
}

const endOrder = (a: RunningJob, b: RunningJob): number => a.endsAt - b.endsAt || (a.requestId < b.requestId ? -1 : a.requestId > b.requestId ? 1 : 0);

/** The pool as its store entries hold it. */
export function poolOf(meta: PoolMeta, running: RunningJob[], waiting: WaitingJob[]): PoolState {
  return { meta, running: KeyedMinHeap.of(running, endOrder, (r) => r.requestId), waiting: WaitingLine.of(waiting) };
}

export type PoolTimer = { name: 'job-end' | 'boot' | 'sample'; key: string; at: number };

/**
 * What a step of the pool produced: telemetry of ended jobs, metrics samples, timers to set, and
 * the jobs that changed, in order (a job may be queued, started and ended in one step), for the
 * shell to write to its stores.
 */
export interface PoolEffects {
  telemetry: ExecutionTelemetry[];
  metrics: ClusterMetrics[];
  timers: PoolTimer[];
  queued: WaitingJob[];
  started: RunningJob[];
  /** Request ids of the runs that ended. */
  ended: string[];
}

const emptyEffects = (): PoolEffects => ({ telemetry: [], metrics: [], timers: [], queued: [], started: [], ended: [] });

export function validatePoolConfig(c: PoolConfig): void {
  validateBounds(c);
  for (const k of ['instanceCpuMillicores', 'instanceMemoryBytes', 'instanceIoBytesPerSecond', 'sampleIntervalMs'] as const) {
    if (!(Number.isFinite(c[k]) && c[k] > 0)) throw new RangeError(`pool ${c.pool}: ${k} must be a positive number, got ${c[k]}`);
  }
  if (!(Number.isFinite(c.bootDelayMs) && c.bootDelayMs >= 0)) throw new RangeError(`pool ${c.pool}: bootDelayMs must be >= 0, got ${c.bootDelayMs}`);
  if (!Number.isInteger(c.initialInstances) || c.initialInstances < c.minInstances || c.initialInstances > c.maxInstances) {
    throw new RangeError(`pool ${c.pool}: initialInstances must be an integer within [minInstances, maxInstances], got ${c.initialInstances}`);
  }
}

/** A fresh pool at `now` with its initial instances already ready, and its first sample timer. */
export function newPool(c: PoolConfig, now: number): { state: PoolState; effects: PoolEffects } {
  const meta: PoolMeta = {
    instances: [], nextInstance: 1, nextArrival: 0, appliedCommandIds: [],
    sampleSince: now, sampleCpuMs: 0, sampleIoBytes: 0, paidInstanceMs: 0, accountedAt: now,
    now, nextSampleAt: now + c.sampleIntervalMs,
  };
  for (let i = 0; i < c.initialInstances; i++) launch(meta, c, now, true);
  const state = poolOf(meta, [], []);
  const effects = emptyEffects();
  effects.timers.push({ name: 'sample', key: c.pool, at: now + c.sampleIntervalMs });
  return { state, effects };
}

function accrue(meta: PoolMeta, now: number): void {
  if (now > meta.accountedAt) {
    meta.paidInstanceMs += meta.instances.length * (now - meta.accountedAt);
    meta.accountedAt = now;
  }
}

function launch(meta: PoolMeta, c: PoolConfig, now: number, ready: boolean): SimInstance {
  const inst: SimInstance = {
    id: `${c.pool}-vm-${meta.nextInstance++}`, launchedAt: now, readyAt: ready ? now : now + c.bootDelayMs,
    freeCpuMillicores: c.instanceCpuMillicores, freeMemoryBytes: c.instanceMemoryBytes, jobs: 0,
  };
  meta.instances.push(inst);
  return inst;
}

/** A job the pool could never place: bigger than an instance. It is refused at once (NOT_RUN), as a cloud would refuse it. */
function neverFits(c: PoolConfig, job: PoolJob): boolean {
  return job.allocation.cpuMillicores > c.instanceCpuMillicores || job.allocation.memoryBytes > c.instanceMemoryBytes;
}

/** A job arrives: it starts on a ready instance with room, or waits for one. */
export function dispatch(state: PoolState, c: PoolConfig, job: PoolJob, now: number): PoolEffects {
  const effects = emptyEffects();
  const held = state.running.get(job.requestId) ?? state.waiting.get(job.requestId);
  if (held) {
    // A dispatch delivered again is dropped. A newer run of a request whose run the scheduler
    // presumed lost while the pool still holds it is refused, so its reservation is freed now
    // rather than when its own lease ends: the run held reports for itself.
    if ((job.attempt ?? 1) > (held.attempt ?? 1)) effects.telemetry.push(notRun(job, now));
    return effects;
  }
  if (neverFits(c, job)) {
    effects.telemetry.push(notRun(job, now));
    return effects;
  }
  const waiting: WaitingJob = { ...job, arrival: state.meta.nextArrival++ };
  state.waiting.push(waiting);
  effects.queued.push(waiting);
  startWaiting(state, c, now, effects);
  return effects;
}

/** The report of a job the pool refused at `now`: it used nothing. */
function notRun(job: PoolJob, now: number): ExecutionTelemetry {
  return telemetryOf({ ...job, instanceId: job.preferredInstance, startedAt: now, endsAt: now, exitStatus: 'NOT_RUN', cpuRate: 0, ioRate: 0 }, null);
}

function fits(inst: SimInstance, job: PoolJob, now: number): boolean {
  return inst.readyAt <= now && inst.freeCpuMillicores >= job.allocation.cpuMillicores && inst.freeMemoryBytes >= job.allocation.memoryBytes;
}

/** Starts waiting jobs in arrival order while they fit somewhere (no overtaking: a big head job waits, the rest queue behind it). */
function startWaiting(state: PoolState, c: PoolConfig, now: number, effects: PoolEffects): void {
  for (;;) {
    const job = state.waiting.first();
    if (!job) return;
    const instances = state.meta.instances;
    const preferred = instances.find((i) => i.id === job.preferredInstance && fits(i, job, now));
    // Best fit: the ready instance left with the least free CPU, so big holes stay open.
    const inst = preferred ?? instances
      .filter((i) => fits(i, job, now))
      .sort((a, b) => a.freeCpuMillicores - b.freeCpuMillicores || a.id.localeCompare(b.id))[0];
    if (!inst) return;
    state.waiting.shift();
    const run = start(job, inst, now, c);
    state.running.push(run);
    effects.started.push(run);
    effects.timers.push({ name: 'job-end', key: run.requestId, at: run.endsAt });
  }
}

/**
 * When and how a job ends under its allocation: CPU is capped at the allocated cores, so a job
 * wanting more runs longer; past the wall-clock limit it is killed (TIMEOUT); a peak above the
 * memory limit kills it when its memory gets there, growing linearly (OOM).
 */
export function plannedRun(job: PoolJob, startedAt: number, c?: Pick<PoolConfig, 'cpuAllocation' | 'instanceCpuMillicores'>): { endsAt: number; exitStatus: ExitStatus; cpuRate: number } {
  const cores = c?.cpuAllocation === 'request' ? c.instanceCpuMillicores / 1000 : job.allocation.cpuMillicores / 1000;
  const u = job.usage;
  const wall = Math.max(u.durationMs, cores > 0 ? u.cpuMs / cores : Infinity, 0);
  const cpuRate = wall > 0 ? u.cpuMs / wall : 0;
  let runFor = wall;
  let exitStatus: ExitStatus = u.exitStatus ?? 'OK';
  if (u.peakMemoryBytes > job.allocation.memoryBytes) {
    runFor = wall * (job.allocation.memoryBytes / u.peakMemoryBytes);
    exitStatus = 'OOM';
  }
  if (runFor > job.allocation.timeoutMs) {
    runFor = job.allocation.timeoutMs;
    exitStatus = 'TIMEOUT';
  }
  return { endsAt: startedAt + Math.round(runFor), exitStatus, cpuRate };
}

function start(job: WaitingJob, inst: SimInstance, now: number, c: PoolConfig): RunningJob {
  inst.freeCpuMillicores -= job.allocation.cpuMillicores;
  inst.freeMemoryBytes -= job.allocation.memoryBytes;
  inst.jobs++;
  const plan = plannedRun(job, now, c);
  const wall = Math.max(1, job.usage.durationMs);
  const { arrival: _, ...dispatched } = job;
  return { ...dispatched, instanceId: inst.id, startedAt: now, endsAt: plan.endsAt, exitStatus: plan.exitStatus, cpuRate: plan.cpuRate, ioRate: (job.usage.ioReadBytes + job.usage.ioWriteBytes) / wall };
}

function telemetryOf(run: RunningJob, exitCode: number | null): ExecutionTelemetry {
  const ran = run.endsAt - run.startedAt;
  const fraction = run.usage.durationMs > 0 ? Math.min(1, ran / run.usage.durationMs) : 1;
  return {
    requestId: run.requestId, userId: run.userId, instanceId: run.instanceId,
    startedAt: new Date(run.startedAt), endedAt: new Date(run.endsAt),
    cpuMs: run.cpuRate * ran,
    // A job never started held no memory, whatever its trace says it would have.
    peakMemoryBytes: run.exitStatus === 'NOT_RUN' ? 0 : Math.round(Math.min(run.usage.peakMemoryBytes, run.allocation.memoryBytes)),
    ioReadBytes: Math.round(run.usage.ioReadBytes * fraction), ioWriteBytes: Math.round(run.usage.ioWriteBytes * fraction),
    exitStatus: run.exitStatus, exitCode, allocated: run.allocation, attempt: run.attempt ?? 1,
  };
}

/** Adds what a running job did between `from` and `to` to the current sample. */
function accountWork(meta: PoolMeta, run: RunningJob, to: number): void {
  const from = Math.max(run.startedAt, meta.sampleSince);
  if (to > from) {
    meta.sampleCpuMs += run.cpuRate * (to - from);
    meta.sampleIoBytes += run.ioRate * (to - from);
  }
}

/** A job ends: its telemetry, its room freed, waiting jobs started. */
function endJob(state: PoolState, c: PoolConfig, run: RunningJob, now: number, effects: PoolEffects): void {
  state.running.delete(run.requestId);
  effects.ended.push(run.requestId);
  accountWork(state.meta, run, run.endsAt);
  const inst = state.meta.instances.find((i) => i.id === run.instanceId);
  if (inst) {
    inst.freeCpuMillicores += run.allocation.cpuMillicores;
    inst.freeMemoryBytes += run.allocation.memoryBytes;
    inst.jobs--;
  }
  effects.telemetry.push(telemetryOf(run, run.exitStatus === 'OK' ? 0 : run.exitStatus === 'ERROR' ? 1 : null));
  startWaiting(state, c, now, effects);
}

/**
 * Plays the pool's own events (job ends, instances becoming ready, samples) up to `now`, in time
 * order, ends before boots before samples at equal times. The runtime fires timers only after the
 * record that moved the watermark, so every input first brings the pool up to its own time here;
 * the timers then find nothing left to do, and exist to flush a pool no record arrives for.
 */
export function advanceTo(state: PoolState, c: PoolConfig, now: number): PoolEffects {
  const effects = emptyEffects();
  const meta = state.meta;
  for (;;) {
    const ending = state.running.peek();
    const endAt = ending?.endsAt ?? Infinity;
    let bootAt = Infinity;
    for (const i of meta.instances) if (i.readyAt > meta.now && i.readyAt < bootAt) bootAt = i.readyAt;
    const at = Math.min(endAt, bootAt, meta.nextSampleAt);
    if (at > now) break;
    meta.now = Math.max(meta.now, at);
    if (ending && endAt === at) endJob(state, c, ending, at, effects);
    else if (bootAt === at) startWaiting(state, c, at, effects);
    else sample(state, c, at, effects);
  }
  meta.now = Math.max(meta.now, now);
  return effects;
}

/**
 * Applies a scale command once per id: launches booting instances, or removes booting ones
 * (newest first) then idle ready ones; busy instances are never killed, so a scale-in may stop
 * short of its target.
 */
export function applyScale(state: PoolState, c: PoolConfig, command: ScaleCommand, now: number): PoolEffects {
  const effects = emptyEffects();
  const meta = state.meta;
  if (meta.appliedCommandIds.includes(command.commandId)) return effects;
  meta.appliedCommandIds = rememberCommand(meta.appliedCommandIds, command.commandId);
  accrue(meta, now);
  const target = commandTarget(command, meta.instances.length, c);
  for (let n = meta.instances.length; n < target; n++) {
    const inst = launch(meta, c, now, c.bootDelayMs === 0);
    effects.timers.push({ name: 'boot', key: inst.id, at: inst.readyAt });
  }
  let excess = meta.instances.length - target;
  if (excess > 0) {
    const victims = new Set<string>();
    const byPreference = [...meta.instances].sort((a, b) => b.readyAt - a.readyAt || b.id.localeCompare(a.id));
    for (const inst of byPreference) {
      if (excess === 0) break;
      if (inst.jobs > 0) continue;
      victims.add(inst.id);
      excess--;
    }
    meta.instances = meta.instances.filter((i) => !victims.has(i.id));
  }
  if (c.bootDelayMs === 0) startWaiting(state, c, now, effects);
  return effects;
}

/** One ClusterMetrics for the interval that just ended, and the next sample's timer. */
function sample(state: PoolState, c: PoolConfig, now: number, effects: PoolEffects): void {
  const meta = state.meta;
  accrue(meta, now);
  let memUsed = 0;
  for (const run of state.running.values()) {
    accountWork(meta, run, now);
    memUsed += Math.min(run.usage.peakMemoryBytes, run.allocation.memoryBytes);
  }
  const ready = meta.instances.filter((i) => i.readyAt <= now);
  const interval = Math.max(1, now - meta.sampleSince);
  const cpuCapacity = ready.length * c.instanceCpuMillicores;
  const memCapacity = ready.length * c.instanceMemoryBytes;
  const cpuReserved = ready.reduce((s, i) => s + c.instanceCpuMillicores - i.freeCpuMillicores, 0);
  const memReserved = ready.reduce((s, i) => s + c.instanceMemoryBytes - i.freeMemoryBytes, 0);
  const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
  effects.metrics.push({
    pool: c.pool, at: new Date(now),
    instancesRunning: ready.length, instancesBooting: meta.instances.length - ready.length,
    cpuCapacityMillicores: cpuCapacity, memoryCapacityBytes: memCapacity,
    cpuUtilization: cpuCapacity > 0 ? clamp(meta.sampleCpuMs / ((cpuCapacity / 1000) * interval)) : 0,
    memoryUtilization: memCapacity > 0 ? clamp(memUsed / memCapacity) : 0,
    ioUtilization: ready.length > 0 ? clamp((meta.sampleIoBytes / (interval / 1000)) / (ready.length * c.instanceIoBytesPerSecond)) : 0,
    queueDepth: state.waiting.length,
    reservedFraction: ready.length > 0 ? clamp(Math.max(cpuReserved / cpuCapacity, memReserved / memCapacity)) : 0,
  });
  meta.sampleSince = now;
  meta.sampleCpuMs = 0;
  meta.sampleIoBytes = 0;
  meta.nextSampleAt = now + c.sampleIntervalMs;
  effects.timers.push({ name: 'sample', key: c.pool, at: meta.nextSampleAt });
}
