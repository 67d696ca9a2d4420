import type { JobDispatch, ScaleCommand } from '../../../schemas/types.generated';
import { ManualClock } from '../../../streams/runtime/clock';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { localTopics } from '../../../streams/processors/event-topics';
import type { JobUsage, PoolConfig } from '../../../streams/executors/pool-core';
import { plannedRun } from '../../../streams/executors/pool-core';
import { simulatedPoolProcessor } from '../../../streams/executors/simulated-pool';

const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
const GiB = 1024 ** 3;

const config: PoolConfig = {
  pool: 'default', instanceCpuMillicores: 4000, instanceMemoryBytes: 8 * GiB, instanceIoBytesPerSecond: 100e6,
  bootDelayMs: 60_000, sampleIntervalMs: 30_000, initialInstances: 1, minInstances: 0, maxInstances: 10,
};

function dispatchOf(requestId: string, at: number, cpuMillicores = 1000): JobDispatch {
  return {
    requestId, userId: `u-${requestId}`, pool: 'default', instanceId: 'default-vm-1', dispatchedAt: new Date(at),
    allocation: { cpuMillicores, memoryBytes: GiB, timeoutMs: 600_000 },
    queuedMs: 0, priorityScore: 1, priority: { base: 1, aging: 0, size: 0, deadlineUrgency: 0, explanation: 'test' },
  };
}

function scaleOut(commandId: string, at: number, delta: number): ScaleCommand {
  return {
    commandId, pool: 'default', issuedAt: new Date(at), action: 'SCALE_OUT', targetInstances: null, deltaInstances: delta,
    effectiveBy: new Date(at + 60_000), reason: 'FORECAST_DEMAND', explanation: 'test', forecastId: null,
  };
}

function pool(usage: Record<string, JobUsage>) {
  const clock = new ManualClock(T0);
  const topics = localTopics(() => clock.now());
  const driver = new ProcessorTestDriver(simulatedPoolProcessor({ topics, config, usage: (d) => usage[d.requestId] }), { clock });
  return { driver, clock };
}

const usage = (durationMs: number, cpuMs = durationMs): JobUsage => ({ durationMs, cpuMs, peakMemoryBytes: 100e6, ioReadBytes: 1000, ioWriteBytes: 500 });

describe('simulated VM pool', () => {
  it('reports the capacity reserved by running jobs beside what they use', () => {
    const { driver } = pool({ a: usage(60_000, 30_000) });
    driver.pipeInput('dispatches', { key: 'default', value: dispatchOf('a', T0), timestamp: T0 });
    driver.pipeInput('dispatches', { key: 'other', value: { ...dispatchOf('z', T0 + 31_000), pool: 'other' }, timestamp: T0 + 31_000 });
    const [m] = driver.readOutput('metrics').map((r) => r.value!);
    expect(m!.reservedFraction).toBeCloseTo(0.25); // 1 of 4 cores (memory: 1 of 8 GiB)
    expect(m!.cpuUtilization).toBeCloseTo(0.125); // the job uses half its core
  });

  it('lets time pass on the replay clock alone, and starts a dispatch behind its time at its time', () => {
    const clock = new ManualClock(T0);
    const topics = localTopics(() => clock.now());
    const driver = new ProcessorTestDriver(
      simulatedPoolProcessor({ topics, config, usage: () => usage(10_000), allowedLatenessMs: Number.MAX_SAFE_INTEGER }), { clock },
    );
    const tick = (at: number) => driver.pipeInput('clock', { key: 'default', value: { pool: 'default', at: new Date(at), source: 'test' }, timestamp: at });
    driver.pipeInput('dispatches', { key: 'default', value: dispatchOf('a', T0), timestamp: T0 });
    tick(T0 + 5_000);
    expect(driver.readOutput('telemetry')).toHaveLength(0);
    tick(T0 + 31_000);
    expect(driver.readOutput('telemetry').map((t) => t.value!.endedAt.getTime())).toEqual([T0 + 10_000]);
    expect(driver.readOutput('metrics').map((m) => m.value!.at.getTime())).toEqual([T0 + 30_000]);
    driver.pipeInput('dispatches', { key: 'default', value: dispatchOf('late', T0 + 20_000), timestamp: T0 + 20_000 });
    tick(T0 + 50_000);
    const [late] = driver.readOutput('telemetry').map((t) => t.value!);
    expect(late!.startedAt.getTime()).toBe(T0 + 31_000);
    expect(late!.endedAt.getTime()).toBe(T0 + 41_000);
  });

  it('runs a dispatched job for its duration and emits telemetry at its end in event time, naming the run', () => {
    const { driver } = pool({ a: usage(10_000, 8_000) });
    driver.pipeInput('dispatches', { key: 'a', value: { ...dispatchOf('a', T0), attempt: 2 }, timestamp: T0 });
    expect(driver.readOutput('telemetry')).toHaveLength(0);
    // A later record moves the watermark past the job's end: the timer fires.
    driver.pipeInput('dispatches', { key: 'z', value: { ...dispatchOf('z', T0 + 20_000), pool: 'other' }, timestamp: T0 + 20_000 });
    const out = driver.readOutput('telemetry');
    expect(out).toHaveLength(1);
    const t = out[0]!;
    expect(t.key).toBe('u-a');
    expect(t.timestamp).toBe(T0 + 10_000);
    expect(t.value).toMatchObject({ requestId: 'a', instanceId: 'default-vm-1', exitStatus: 'OK', exitCode: 0, ioReadBytes: 1000, attempt: 2 });
    expect(t.value!.startedAt.getTime()).toBe(T0);
    expect(t.value!.endedAt.getTime()).toBe(T0 + 10_000);
    expect(t.value!.cpuMs).toBeCloseTo(8_000);
  });

  it('refuses at once a job no instance could hold, as NOT_RUN: it used nothing and held no room', () => {
    const { driver } = pool({ huge: usage(10_000) });
    driver.pipeInput('dispatches', { key: 'huge', value: dispatchOf('huge', T0, 8000), timestamp: T0 });
    const [t] = driver.readOutput('telemetry').map((o) => o.value!);
    expect(t).toMatchObject({ requestId: 'huge', exitStatus: 'NOT_RUN', exitCode: null, cpuMs: 0, peakMemoryBytes: 0, attempt: 1 });
    expect(t!.endedAt.getTime()).toBe(T0);
  });

  it('drops a dispatch delivered again, and refuses a newer run of a request it still holds (NOT_RUN), so that run\'s room is freed', () => {
    const { driver } = pool({ a: usage(60_000) });
    driver.pipeInput('dispatches', { key: 'a', value: dispatchOf('a', T0), timestamp: T0 });
    driver.pipeInput('dispatches', { key: 'a', value: dispatchOf('a', T0 + 1000), timestamp: T0 + 1000 });
    expect(driver.readOutput('telemetry')).toEqual([]);
    driver.pipeInput('dispatches', { key: 'a', value: { ...dispatchOf('a', T0 + 2000), attempt: 2 }, timestamp: T0 + 2000 });
    const refused = driver.readOutput('telemetry').map((o) => o.value!);
    expect(refused).toMatchObject([{ requestId: 'a', attempt: 2, exitStatus: 'NOT_RUN', cpuMs: 0 }]);
    expect(refused[0]!.endedAt.getTime()).toBe(T0 + 2000);
    // The run it holds goes on and reports as itself.
    driver.pipeInput('dispatches', { key: 'z', value: { ...dispatchOf('z', T0 + 70_000), pool: 'other' }, timestamp: T0 + 70_000 });
    expect(driver.readOutput('telemetry').map((o) => o.value!)).toMatchObject([{ requestId: 'a', attempt: 1, exitStatus: 'OK' }]);
  });

  it('respects capacity: a job waits until an earlier one frees its cores', () => {
    const { driver } = pool({ a: usage(10_000), b: usage(10_000), c: usage(5_000) });
    driver.pipeInput('dispatches', { key: 'a', value: dispatchOf('a', T0, 3000), timestamp: T0 });
    driver.pipeInput('dispatches', { key: 'b', value: dispatchOf('b', T0 + 1000, 3000), timestamp: T0 + 1000 });
    driver.pipeInput('dispatches', { key: 'c', value: dispatchOf('c', T0 + 2000, 1000), timestamp: T0 + 2000 });
    driver.pipeInput('dispatches', { key: 'z', value: { ...dispatchOf('z', T0 + 60_000), pool: 'other' }, timestamp: T0 + 60_000 });
    const byId = new Map(driver.readOutput('telemetry').map((o) => [o.value!.requestId, o.value!]));
    // 4 cores: a (3) runs; b (3) waits for a; c (1) queues behind b (no overtaking) and starts with it.
    expect(byId.get('a')!.startedAt.getTime()).toBe(T0);
    expect(byId.get('b')!.startedAt.getTime()).toBe(T0 + 10_000);
    expect(byId.get('c')!.startedAt.getTime()).toBe(T0 + 10_000);
    expect(byId.get('b')!.endedAt.getTime()).toBe(T0 + 20_000);
    const metrics = driver.readOutput('metrics').map((m) => m.value!);
    expect(metrics[0]).toMatchObject({ instancesRunning: 1, instancesBooting: 0, queueDepth: 0, cpuCapacityMillicores: 4000 });
    // First 30 s: a 10 s at 1 core/s of 4 cores, then b+c 10 s at 1+1 core-s/s, c ends at 15 s: (10+10+5)/(4*30).
    expect(metrics[0]!.cpuUtilization).toBeCloseTo((10 + 10 + 5) / 120, 5);
  });

  it('scale-out instances take jobs only after the boot delay, and a repeated command id is applied once', () => {
    const { driver } = pool({ a: usage(100_000), b: usage(10_000) });
    driver.pipeInput('scaleCommands', { key: 'default', value: scaleOut('cmd-1', T0, 1), timestamp: T0 });
    driver.pipeInput('scaleCommands', { key: 'default', value: scaleOut('cmd-1', T0, 1), timestamp: T0 });
    driver.pipeInput('dispatches', { key: 'a', value: dispatchOf('a', T0 + 1000, 4000), timestamp: T0 + 1000 });
    driver.pipeInput('dispatches', { key: 'b', value: dispatchOf('b', T0 + 2000, 4000), timestamp: T0 + 2000 });
    driver.pipeInput('dispatches', { key: 'z', value: { ...dispatchOf('z', T0 + 200_000), pool: 'other' }, timestamp: T0 + 200_000 });
    const byId = new Map(driver.readOutput('telemetry').map((o) => [o.value!.requestId, o.value!]));
    expect(byId.get('b')!.instanceId).toBe('default-vm-2');
    expect(byId.get('b')!.startedAt.getTime()).toBe(T0 + 60_000);
    const metrics = driver.readOutput('metrics').map((m) => m.value!);
    expect(metrics[0]).toMatchObject({ at: new Date(T0 + 30_000), instancesRunning: 1, instancesBooting: 1, queueDepth: 1 });
    expect(metrics[1]).toMatchObject({ at: new Date(T0 + 60_000), instancesRunning: 2, instancesBooting: 0, queueDepth: 0 });
    expect(driver.store('pools').get('default')!.instances).toHaveLength(2);
  });

  it('keeps each job in an entry of its own, so a pool holding thousands logs a commit of what changed, and a reopened task goes on in order', () => {
    const { driver, clock: wall } = pool({});
    const jobs = 3000; // one core each for 10 min (allocatedUsage): 4 run, the rest wait on the 4-core instance
    for (let i = 0; i < jobs; i++) driver.pipeInput('dispatches', { key: 'default', value: dispatchOf(`j${i}`, T0 + i), timestamp: T0 + i });
    expect(driver.store('running').size).toBe(4);
    expect(driver.store('waiting').size).toBe(jobs - 4);
    // One entry for the whole pool was ~1 MB here, over the broker's record limit at a few thousand jobs.
    expect(JSON.stringify(driver.store('pools').get('default')).length).toBeLessThan(2048);
    driver.reopenTask();
    wall.set(T0 + 3 * 600_000 + 4); // events from the future are refused
    driver.pipeInput('clock', { key: 'default', value: { pool: 'default', at: new Date(wall.now()), source: 'test' }, timestamp: wall.now() });
    const ended = driver.readOutput('telemetry').map((t) => t.value!);
    // Each run's end starts the next job in arrival order on its core: j(i) starts 10 min after j(i-4).
    const first12 = Array.from({ length: 12 }, (_, i) => [`j${i}`, T0 + Math.floor(i / 4) * 600_000 + (i % 4)]);
    expect(ended.map((t) => [t.requestId, t.startedAt.getTime()])).toEqual(first12);
    expect(driver.store('running').size).toBe(4);
    expect(driver.store('waiting').size).toBe(jobs - 16);
  });

  it('takes over a pool an earlier version stored as one entry, its jobs inside', () => {
    const { driver, clock: wall } = pool({ a: usage(10_000) });
    driver.pipeInput('dispatches', { key: 'default', value: dispatchOf('a', T0, 4000), timestamp: T0 });
    driver.pipeInput('dispatches', { key: 'default', value: dispatchOf('b', T0 + 1, 4000), timestamp: T0 + 1 });
    const whole = { ...driver.store('pools').get('default')!, running: [driver.store('running').get('a')!], waiting: [driver.store('waiting').get('b')!] };
    delete (whole as { nextArrival?: number }).nextArrival;
    driver.store('running').delete('a');
    driver.store('waiting').delete('b');
    driver.store('pools').put('default', whole);
    driver.reopenTask();
    wall.set(T0 + 700_000);
    driver.pipeInput('clock', { key: 'default', value: { pool: 'default', at: new Date(wall.now()), source: 'test' }, timestamp: wall.now() });
    const ended = driver.readOutput('telemetry').map((t) => t.value!);
    expect(ended.map((t) => [t.requestId, t.startedAt.getTime()])).toEqual([['a', T0], ['b', T0 + 10_000]]);
    expect(driver.store('pools').get('default')).not.toHaveProperty('running');
    expect(driver.store('pools').get('default')!.nextArrival).toBe(1);
  });

  it('scale-in removes idle instances only', () => {
    const { driver } = pool({ a: usage(100_000) });
    driver.pipeInput('dispatches', { key: 'a', value: dispatchOf('a', T0), timestamp: T0 });
    const scaleIn: ScaleCommand = { ...scaleOut('cmd-in', T0 + 1000, 1), action: 'SCALE_IN', targetInstances: 0, deltaInstances: null };
    driver.pipeInput('scaleCommands', { key: 'default', value: scaleIn, timestamp: T0 + 1000 });
    expect(driver.store('pools').get('default')!.instances).toHaveLength(1);
  });
});

describe('a job under its allocation', () => {
  const job = (u: JobUsage, cpuMillicores = 1000, memoryBytes = GiB, timeoutMs = 60_000) =>
    ({ requestId: 'r', userId: 'u', preferredInstance: 'i', allocation: { cpuMillicores, memoryBytes, timeoutMs }, usage: u });
  it('runs longer when it wants more CPU than allocated', () => {
    expect(plannedRun(job(usage(1000, 4000), 2000), 0)).toMatchObject({ endsAt: 2000, exitStatus: 'OK', cpuRate: 2 });
  });
  it('runs at the CPU it wants when the allocation is a request, up to its instance', () => {
    const request = { cpuAllocation: 'request' as const, instanceCpuMillicores: 4000 };
    expect(plannedRun(job(usage(1000, 4000), 500), 0, request)).toMatchObject({ endsAt: 1000, exitStatus: 'OK', cpuRate: 4 });
    expect(plannedRun(job(usage(1000, 8000), 500), 0, request)).toMatchObject({ endsAt: 2000, cpuRate: 4 });
  });
  it('is killed at its wall-clock limit', () => {
    expect(plannedRun(job(usage(90_000)), 0)).toMatchObject({ endsAt: 60_000, exitStatus: 'TIMEOUT' });
  });
  it('is killed when its memory outgrows the limit', () => {
    expect(plannedRun(job({ ...usage(10_000), peakMemoryBytes: 2 * GiB }), 0)).toMatchObject({ endsAt: 5000, exitStatus: 'OOM' });
  });
});
