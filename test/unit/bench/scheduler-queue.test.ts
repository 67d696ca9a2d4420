import { runSchedulerQueueBench } from '../../../streams/bench/scheduler-queue';

describe('prm bench scheduler-queue', () => {
  // The CPU clock is read before and after each depth: the figures are the bench's own arithmetic, checked exactly.
  it('keeps the pool full and the queue at each depth, and reports each against the first', () => {
    const readings = [10, 30, 100, 140];
    const report = runSchedulerQueueBench({
      depths: [0, 60], running: 20, instances: 4, cycles: 50, users: 7,
      cpuClock: () => readings.shift()!, log: () => {},
    });
    expect(report.depths.map((d) => d.queued)).toEqual([0, 60]);
    // 50 ended runs and 50 requests in 20 ms, then in 40 ms.
    expect(report.depths[0]!.records_per_cpu_second).toBeCloseTo(5000, 6);
    expect(report.depths[1]!.records_per_cpu_second).toBeCloseTo(2500, 6);
    expect(report.depths[1]!.us_per_ended_run).toBeCloseTo(800, 6);
    expect(report.depths[1]!.ratio_to_baseline).toBeCloseTo(0.5, 6);
  });

  it('refuses a pool it cannot spread evenly over the instances', () => {
    expect(() => runSchedulerQueueBench({ depths: [0], running: 10, instances: 4, cycles: 5, users: 1, cpuClock: () => 0, log: () => {} })).toThrow(/multiple/);
  });
});
