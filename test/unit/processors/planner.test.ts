import type { ClusterLoadForecast, ClusterMetrics } from '../../../schemas/types.generated';
import { jsonSerde } from '../../../streams/runtime/serde';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { plannerProcessor, queuedBacklog, type PlannerState } from '../../../streams/processors/planner';
import { setup, T0 } from './fixtures';

const minute = 60_000;
const step = 5 * minute;
const start = Math.floor(T0 / step) * step;

function metrics(atMs: number, running: number, busyCores: number, booting = 0): ClusterMetrics {
  return {
    pool: 'a', at: new Date(atMs), instancesRunning: running, instancesBooting: booting, cpuCapacityMillicores: running * 4000,
    memoryCapacityBytes: running * 16 * 1024 ** 3, cpuUtilization: busyCores / (running * 4), memoryUtilization: 0.2, ioUtilization: 0.1, queueDepth: 0,
  };
}

/** A forecast issued at the start of step k: flat at `cores` over the next hour. */
function forecast(k: number, cores: number): ClusterLoadForecast {
  const issued = start + k * step;
  return {
    forecastId: `a@${issued}`, pool: 'a', issuedAt: new Date(issued), metric: 'CPU_CORES', stepMs: step, model: { name: 'selected:last_value', version: '1' },
    points: Array.from({ length: 12 }, (_, i) => ({ at: new Date(issued + (i + 1) * step), expected: cores, p50: cores, p90: cores * 1.1, p99: cores * 1.3 })),
  };
}

function planner(env = setup()) {
  const p = plannerProcessor({ topics: env.topics, minInstances: 1, maxInstances: 50, bootDelaySeconds: 600, scaleInDelaySeconds: 1800 });
  return { ...env, driver: new ProcessorTestDriver(p, { clock: env.clock }) };
}

describe('planner', () => {
  it('scales out ahead of a forecast ramp, once per boot delay, and explains why', () => {
    const { driver, clock } = planner();
    clock.set(start);
    driver.pipeInput('metrics', { key: 'a', value: metrics(start, 2, 4) });
    driver.pipeInput('forecasts', { key: 'a', value: forecast(0, 4) });
    expect(driver.readOutput('commands')).toEqual([]);
    clock.set(start + step);
    driver.pipeInput('forecasts', { key: 'a', value: forecast(1, 40) });
    const [out] = driver.readOutput('commands').map((c) => c.value!);
    expect(out).toMatchObject({ pool: 'a', action: 'SCALE_OUT', reason: 'FORECAST_DEMAND', forecastId: `a@${start + step}` });
    // p90 44 cores x headroom >= 1 on 4-core instances: at least 11 instances.
    expect(out!.targetInstances).toBeGreaterThanOrEqual(11);
    expect(out!.effectiveBy.getTime()).toBe(start + step + 600_000);
    expect(out!.explanation).toMatch(/2 -> \d+ instances/);
    clock.set(start + 2 * step);
    driver.pipeInput('forecasts', { key: 'a', value: forecast(2, 40) });
    expect(driver.readOutput('commands')).toEqual([]);
  });

  it('scales in only after the target stayed low for the scale-in delay, a bounded step at a time', () => {
    const { driver, clock } = planner();
    const commands: number[] = [];
    for (let k = 0; k < 16; k++) {
      clock.set(start + k * step);
      driver.pipeInput('metrics', { key: 'a', value: metrics(start + k * step, 20, 2) });
      driver.pipeInput('forecasts', { key: 'a', value: forecast(k, 2) });
      for (const c of driver.readOutput('commands')) {
        expect(c.value!.action).toBe('SCALE_IN');
        commands.push(k);
      }
    }
    expect(commands.length).toBeGreaterThan(0);
    expect(commands[0]!).toBeGreaterThanOrEqual(6); // 1800 s of low targets at 300 s per tick
  });

  it('decides the same after a restore: its state is the store', () => {
    const env = setup();
    const { driver: before, clock } = planner(env);
    for (let k = 0; k < 8; k++) {
      clock.set(start + k * step);
      before.pipeInput('metrics', { key: 'a', value: metrics(start + k * step, 20, 2) });
      before.pipeInput('forecasts', { key: 'a', value: forecast(k, 2) });
    }
    before.readOutput('commands');
    const { driver: after } = planner(env);
    const serde = jsonSerde<PlannerState>();
    after.store('pools').put('a', serde.deserialize(serde.serialize(before.store('pools').get('a')!)));
    clock.set(start + 8 * step);
    for (const d of [before, after]) d.pipeInput('forecasts', { key: 'a', value: forecast(8, 2) });
    const a = before.readOutput('commands').map((c) => c.value);
    const b = after.readOutput('commands').map((c) => c.value);
    expect(b).toEqual(a);
    expect(a).toHaveLength(1);
  });

  it('scales out for the jobs the scheduler holds queued, which the pool\'s own metrics do not show, and forgets a silent task\'s report', () => {
    const { driver, clock } = planner();
    clock.set(start);
    // Two instances, lightly used, nothing waiting in the pool, and a flat forecast.
    driver.pipeInput('metrics', { key: 'a', value: metrics(start, 2, 1) });
    driver.pipeInput('forecasts', { key: 'a', value: forecast(0, 1) });
    expect(driver.readOutput('commands')).toEqual([]);
    // Two scheduler tasks hold long jobs worth 18 and 10 cores that do not fit.
    const backlog = (task: number, atMs: number, cores: number) => ({
      key: 'a', value: { pool: 'a', task, at: new Date(atMs), queuedJobs: 3, queuedCores: cores, queuedCoreSeconds: cores * 3600, oldestSubmittedAt: new Date(start - minute) },
    });
    driver.pipeInput('backlog', backlog(0, start + minute, 18));
    driver.pipeInput('backlog', backlog(3, start + minute, 10));
    clock.set(start + step);
    driver.pipeInput('forecasts', { key: 'a', value: forecast(1, 1) });
    const [out] = driver.readOutput('commands').map((c) => c.value!);
    expect(out).toMatchObject({ action: 'SCALE_OUT', reason: 'QUEUE_BACKLOG' });
    // 1 busy core + 28 queued cores on 4-core instances: at least 8 instances.
    expect(out!.targetInstances).toBeGreaterThanOrEqual(8);
    expect(driver.store('pools').get('a')!.backlog).toEqual({
      0: { atMs: start + minute, cores: 18, coreSeconds: 18 * 3600 }, 3: { atMs: start + minute, cores: 10, coreSeconds: 36_000 },
    });
    // An older report of a task does not replace its newer one.
    driver.pipeInput('backlog', backlog(0, start, 0));
    expect(driver.store('pools').get('a')!.backlog![0]!.cores).toBe(18);
    expect(queuedBacklog(driver.store('pools').get('a')!.backlog, start + step, 300)).toBe(28 * 300);
    // Reports from tasks silent for over five minutes no longer count.
    expect(queuedBacklog(driver.store('pools').get('a')!.backlog, start + minute + 5 * minute + 1, 300)).toBe(0);
    // What a scrape reads: the command's target against the 2 running, and the 28 cores queued.
    expect(['target_instances', 'running_instances', 'queued_cores'].map((g) => driver.gauge(g))).toEqual([out!.targetInstances, 2, 28]);
  });

  it('exports its targets, running instances and queued cores summed over its pools', () => {
    const { driver, clock } = planner();
    expect(driver.gauge('target_instances')).toBe(0);
    clock.set(start);
    driver.pipeInput('metrics', { key: 'a', value: metrics(start, 2, 4) });
    driver.pipeInput('metrics', { key: 'b', value: { ...metrics(start, 5, 4), pool: 'b' } });
    expect(['target_instances', 'running_instances', 'queued_cores'].map((g) => driver.gauge(g))).toEqual([0, 7, 0]);
    driver.pipeInput('forecasts', { key: 'a', value: forecast(0, 4) });
    clock.set(start + step);
    driver.pipeInput('forecasts', { key: 'a', value: forecast(1, 40) });
    const [out] = driver.readOutput('commands').map((c) => c.value!);
    expect(driver.gauge('target_instances')).toBe(out!.targetInstances);
  });
});
