import type { ClusterMetrics, ExecutionTelemetry, ExitStatus, ResourceAllocation } from '../../schemas/types.generated';
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

/** Everything the pool keeps, plain JSON so it lives in a changelogged store. */
export interface PoolState {
  instances: SimInstance[];
  running: RunningJob[];
  /** Dispatched jobs no ready instance has room for yet, in arrival order. */
  waiting: PoolJob[];
  nextInstance: number;
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

export type PoolTimer = { name: 'job-end' | 'boot' | 'sample'; key: string; at: number };

/** What a step of the pool produced: telemetry of ended jobs, metrics samples, timers to set. */
export interface PoolEffects {
  telemetry: ExecutionTelemetry[];
  metrics: ClusterMetrics[];
  timers: PoolTimer[];
}

const emptyEffects = (): PoolEffects => ({ telemetry: [], metrics: [], timers: [] });

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
  const state: PoolState = {
    instances: [], running: [], waiting: [], nextInstance: 1, appliedCommandIds: [],
    sampleSince: now, sampleCpuMs: 0, sampleIoBytes: 0, paidInstanceMs: 0, accountedAt: now,
    now, nextSampleAt: now + c.sampleIntervalMs,
  };
  for (let i = 0; i < c.initialInstances; i++) launch(state, c, now, true);
  const effects = emptyEffects();
  effects.timers.push({ name: 'sample', key: c.pool, at: now + c.sampleIntervalMs });
  return { state, effects };
}

function accrue(state: PoolState, now: number): void {
  if (now > state.accountedAt) {
    state.paidInstanceMs += state.instances.length * (now - state.accountedAt);
    state.accountedAt = now;
  }
}

function launch(state: PoolState, c: PoolConfig, now: number, ready: boolean): SimInstance {
  const inst: SimInstance = {
    id: `${c.pool}-vm-${state.nextInstance++}`, launchedAt: now, readyAt: ready ? now : now + c.bootDelayMs,
    freeCpuMillicores: c.instanceCpuMillicores, freeMemoryBytes: c.instanceMemoryBytes, jobs: 0,
  };
  state.instances.push(inst);
  return inst;
}

/** A job the pool could never place: bigger than an instance. It is refused at once (NOT_RUN), as a cloud would refuse it. */
function neverFits(c: PoolConfig, job: PoolJob): boolean {
  return job.allocation.cpuMillicores > c.instanceCpuMillicores || job.allocation.memoryBytes > c.instanceMemoryBytes;
}

/** A job arrives: it starts on a ready instance with room, or waits for one. */
export function dispatch(state: PoolState, c: PoolConfig, job: PoolJob, now: number): PoolEffects {
  const effects = emptyEffects();
  if (state.running.some((r) => r.requestId === job.requestId) || state.waiting.some((w) => w.requestId === job.requestId)) return effects;
  if (neverFits(c, job)) {
    effects.telemetry.push(telemetryOf({ ...job, instanceId: job.preferredInstance, startedAt: now, endsAt: now, exitStatus: 'NOT_RUN', cpuRate: 0, ioRate: 0 }, null));
    return effects;
  }
  state.waiting.push(job);
  startWaiting(state, c, now, effects);
  return effects;
}

function fits(inst: SimInstance, job: PoolJob, now: number): boolean {
  return inst.readyAt <= now && inst.freeCpuMillicores >= job.allocation.cpuMillicores && inst.freeMemoryBytes >= job.allocation.memoryBytes;
}

/** Starts waiting jobs in arrival order while they fit somewhere (no overtaking: a big head job waits, the rest queue behind it). */
function startWaiting(state: PoolState, c: PoolConfig, now: number, effects: PoolEffects): void {
  while (state.waiting.length > 0) {
    const job = state.waiting[0]!;
    const preferred = state.instances.find((i) => i.id === job.preferredInstance && fits(i, job, now));
    // Best fit: the ready instance left with the least free CPU, so big holes stay open.
    const inst = preferred ?? state.instances
      .filter((i) => fits(i, job, now))
      .sort((a, b) => a.freeCpuMillicores - b.freeCpuMillicores || a.id.localeCompare(b.id))[0];
    if (!inst) return;
    state.waiting.shift();
    const run = start(job, inst, now, c);
    state.running.push(run);
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

function start(job: PoolJob, inst: SimInstance, now: number, c: PoolConfig): RunningJob {
  inst.freeCpuMillicores -= job.allocation.cpuMillicores;
  inst.freeMemoryBytes -= job.allocation.memoryBytes;
  inst.jobs++;
  const plan = plannedRun(job, now, c);
  const wall = Math.max(1, job.usage.durationMs);
  return { ...job, instanceId: inst.id, startedAt: now, endsAt: plan.endsAt, exitStatus: plan.exitStatus, cpuRate: plan.cpuRate, ioRate: (job.usage.ioReadBytes + job.usage.ioWriteBytes) / wall };
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
    exitStatus: run.exitStatus, exitCode, allocated: run.allocation,
  };
}

/** Adds what a running job did between `from` and `to` to the current sample. */
function accountWork(state: PoolState, run: RunningJob, to: number): void {
  const from = Math.max(run.startedAt, state.sampleSince);
  if (to > from) {
    state.sampleCpuMs += run.cpuRate * (to - from);
    state.sampleIoBytes += run.ioRate * (to - from);
  }
}

/** A job ends: its telemetry, its room freed, waiting jobs started. */
function endJob(state: PoolState, c: PoolConfig, requestId: string, now: number, effects: PoolEffects): void {
  const k = state.running.findIndex((r) => r.requestId === requestId);
  if (k < 0) return;
  const run = state.running[k]!;
  state.running.splice(k, 1);
  accountWork(state, run, run.endsAt);
  const inst = state.instances.find((i) => i.id === run.instanceId);
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
  for (;;) {
    let endAt = Infinity;
    let ending: RunningJob | undefined;
    for (const r of state.running) if (r.endsAt < endAt || (r.endsAt === endAt && ending && r.requestId < ending.requestId)) { endAt = r.endsAt; ending = r; }
    let bootAt = Infinity;
    for (const i of state.instances) if (i.readyAt > state.now && i.readyAt < bootAt) bootAt = i.readyAt;
    const at = Math.min(endAt, bootAt, state.nextSampleAt);
    if (at > now) break;
    state.now = Math.max(state.now, at);
    if (ending && endAt === at) endJob(state, c, ending.requestId, at, effects);
    else if (bootAt === at) startWaiting(state, c, at, effects);
    else sample(state, c, at, effects);
  }
  state.now = Math.max(state.now, now);
  return effects;
}

/**
 * Applies a scale command once per id: launches booting instances, or removes booting ones
 * (newest first) then idle ready ones; busy instances are never killed, so a scale-in may stop
 * short of its target.
 */
export function applyScale(state: PoolState, c: PoolConfig, command: ScaleCommand, now: number): PoolEffects {
  const effects = emptyEffects();
  if (state.appliedCommandIds.includes(command.commandId)) return effects;
  state.appliedCommandIds = rememberCommand(state.appliedCommandIds, command.commandId);
  accrue(state, now);
  const target = commandTarget(command, state.instances.length, c);
  for (let n = state.instances.length; n < target; n++) {
    const inst = launch(state, c, now, c.bootDelayMs === 0);
    effects.timers.push({ name: 'boot', key: inst.id, at: inst.readyAt });
  }
  let excess = state.instances.length - target;
  if (excess > 0) {
    const victims = new Set<string>();
    const byPreference = [...state.instances].sort((a, b) => b.readyAt - a.readyAt || b.id.localeCompare(a.id));
    for (const inst of byPreference) {
      if (excess === 0) break;
      if (inst.jobs > 0) continue;
      victims.add(inst.id);
      excess--;
    }
    state.instances = state.instances.filter((i) => !victims.has(i.id));
  }
  if (c.bootDelayMs === 0) startWaiting(state, c, now, effects);
  return effects;
}

/** One ClusterMetrics for the interval that just ended, and the next sample's timer. */
function sample(state: PoolState, c: PoolConfig, now: number, effects: PoolEffects): void {
  accrue(state, now);
  for (const run of state.running) accountWork(state, run, now);
  const ready = state.instances.filter((i) => i.readyAt <= now);
  const interval = Math.max(1, now - state.sampleSince);
  const cpuCapacity = ready.length * c.instanceCpuMillicores;
  const memCapacity = ready.length * c.instanceMemoryBytes;
  const memUsed = state.running.reduce((s, r) => s + Math.min(r.usage.peakMemoryBytes, r.allocation.memoryBytes), 0);
  const cpuReserved = ready.reduce((s, i) => s + c.instanceCpuMillicores - i.freeCpuMillicores, 0);
  const memReserved = ready.reduce((s, i) => s + c.instanceMemoryBytes - i.freeMemoryBytes, 0);
  const clamp = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);
  effects.metrics.push({
    pool: c.pool, at: new Date(now),
    instancesRunning: ready.length, instancesBooting: state.instances.length - ready.length,
    cpuCapacityMillicores: cpuCapacity, memoryCapacityBytes: memCapacity,
    cpuUtilization: cpuCapacity > 0 ? clamp(state.sampleCpuMs / ((cpuCapacity / 1000) * interval)) : 0,
    memoryUtilization: memCapacity > 0 ? clamp(memUsed / memCapacity) : 0,
    ioUtilization: ready.length > 0 ? clamp((state.sampleIoBytes / (interval / 1000)) / (ready.length * c.instanceIoBytesPerSecond)) : 0,
    queueDepth: state.waiting.length,
    reservedFraction: ready.length > 0 ? clamp(Math.max(cpuReserved / cpuCapacity, memReserved / memCapacity)) : 0,
  });
  state.sampleSince = now;
  state.sampleCpuMs = 0;
  state.sampleIoBytes = 0;
  state.nextSampleAt = now + c.sampleIntervalMs;
  effects.timers.push({ name: 'sample', key: c.pool, at: state.nextSampleAt });
}
