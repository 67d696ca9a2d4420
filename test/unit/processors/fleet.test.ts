import type { ClusterMetrics, SchedulerBacklog } from '../../../schemas/types.generated';
import { fleetBroadcastProcessor } from '../../../streams/processors/fleet';
import { ConfigError } from '../../../streams/runtime/errors';
import { ProcessorTestDriver } from '../../../streams/runtime/test-driver';
import { setup, T0 } from './fixtures';

const GIB = 1024 ** 3;

function sample(pool: string, instancesRunning: number, atMs: number): ClusterMetrics {
  return {
    pool, at: new Date(atMs), instancesRunning, instancesBooting: 0, cpuCapacityMillicores: instancesRunning * 4000,
    memoryCapacityBytes: instancesRunning * 16 * GIB, cpuUtilization: 0.5, memoryUtilization: 0.5, ioUtilization: 0, queueDepth: 0,
  };
}

function backlog(task: number, queuedCores: number, reservedCores: number, atMs: number): SchedulerBacklog {
  return { pool: 'pool', task, at: new Date(atMs), queuedJobs: queuedCores > 0 ? 1 : 0, queuedCores, queuedCoreSeconds: queuedCores, reservedCores, oldestSubmittedAt: null };
}

function fleet(partitions = 3) {
  const env = setup();
  return new ProcessorTestDriver(fleetBroadcastProcessor({ topics: env.topics, partitions }), { clock: env.clock });
}

describe('fleet broadcast', () => {
  it('sends every task its share of each pool sample, on the task\'s own partition', () => {
    const driver = fleet();
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 6, T0) });
    const out = driver.readOutput('shares');
    expect(out.map((r) => [r.partition, r.key, r.value!.task, r.value!.shareInstances])).toEqual([[0, 'pool', 0, 2], [1, 'pool', 1, 2], [2, 'pool', 2, 2]]);
    expect(out[0]!.value).toMatchObject({ pool: 'pool', at: new Date(T0), instancesRunning: 6, demandInstances: 0 });
  });

  it('moves the shares toward the task whose jobs wait, counting running reservations as demand', () => {
    const driver = fleet();
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 12, T0) });
    driver.readOutput('shares');
    // Task 1: 20 cores running and 20 queued = 10 four-core instances; task 2: 4 cores = 1 instance.
    driver.pipeInput('backlog', { key: 'pool', value: backlog(1, 20, 20, T0 + 1000) });
    driver.pipeInput('backlog', { key: 'pool', value: backlog(2, 0, 4, T0 + 2000) });
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 12, T0 + 3000) });
    const last = new Map(driver.readOutput('shares').map((r) => [r.value!.task, r.value!]));
    // Floors of 1 each (a quarter of an equal 4); task 2 asks for no more than its floor, task 1 for
    // 9 beyond it, which the 9 left cover exactly.
    expect(last.get(1)!.demandInstances).toBeCloseTo(10);
    expect(last.get(1)!.shareInstances).toBeCloseTo(10);
    expect(last.get(2)!.shareInstances).toBeCloseTo(1);
    expect(last.get(0)!.shareInstances).toBeCloseTo(1);
  });

  it('between samples sends only the shares a backlog report moved by a quarter instance or more', () => {
    const driver = fleet();
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 12, T0) });
    driver.readOutput('shares');
    driver.pipeInput('backlog', { key: 'pool', value: backlog(0, 0.5, 0, T0 + 1000) });
    expect(driver.readOutput('shares')).toEqual([]);
    driver.pipeInput('backlog', { key: 'pool', value: backlog(0, 24, 0, T0 + 2000) });
    const sent = driver.readOutput('shares');
    const moved = sent.map((r) => [r.partition, r.value!.shareInstances]);
    expect(moved.map(([p]) => p)).toEqual([0, 1, 2]);
    // Stamped with the report's time; the pool's own time is still its latest sample's.
    expect(sent[0]!.value).toMatchObject({ at: new Date(T0 + 2000), sampledAt: new Date(T0) });
    // Task 0 asks 6 instances: its floor of 1, 5 of the 9 left, and a third of the 4 nobody asks for.
    expect(moved[0]![1]).toBeCloseTo(1 + 5 + 4 / 3);
    expect(moved[1]![1]).toBeCloseTo(1 + 4 / 3);
  });

  it('ignores an older sample and an older report of the same task; dead-letters a task beyond its partitions', () => {
    const driver = fleet();
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 12, T0 + 5000) });
    driver.pipeInput('metrics', { key: 'pool', value: sample('pool', 3, T0) });
    expect(driver.store('pools').get('pool')).toMatchObject({ instancesRunning: 12, instanceCores: 4 });
    driver.pipeInput('backlog', { key: 'pool', value: backlog(1, 8, 0, T0 + 6000) });
    driver.pipeInput('backlog', { key: 'pool', value: backlog(1, 80, 0, T0 + 5500) });
    expect(driver.store('demand').get('pool/1')).toEqual({ cores: 8, atMs: T0 + 6000 });
    driver.readOutput('shares');
    driver.pipeInput('backlog', { key: 'pool', value: backlog(7, 8, 0, T0 + 7000) });
    expect(driver.readOutput('shares')).toEqual([]);
    expect(driver.readDeadLetters().map((d) => d.reason)).toEqual([expect.stringContaining('scheduler task 7')]);
  });

  it('rejects a partition count that is not a positive integer', () => {
    const { topics } = setup();
    expect(() => fleetBroadcastProcessor({ topics, partitions: 0 })).toThrow(ConfigError);
    expect(() => fleetBroadcastProcessor({ topics, floorFraction: 2 })).toThrow(ConfigError);
  });
});
