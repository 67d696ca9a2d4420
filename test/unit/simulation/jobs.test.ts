import { hpaPolicy } from '../../../models/planning/hpa';
import { simulateJobs } from '../../../models/simulation/jobs';
import { workload } from './job-workload';

function run(seed: number) {
  const all = workload(seed);
  return simulateJobs(hpaPolicy({}), {
    jobs: all.filter((j) => j.arrival >= 4600), trainingJobs: all.filter((j) => j.arrival + j.durationSeconds < 4600), startSeconds: 4600,
    instanceCores: 8, instanceMemory: 1, bootDelaySeconds: 120, bootJitterSeconds: 30, controlSeconds: 60, sloDelaySeconds: 60,
    minInstances: 1, maxInstances: 40, initialInstances: 3, seed, scheduler: { ageCapSeconds: 600 },
  });
}

describe('simulateJobs', () => {
  // Golden figures from the simulator before its dispatch passes were made incremental (skipped
  // when nothing can start, shapes without room remembered, candidates heaped instead of sorted,
  // bestFit counting before it allocates): the same jobs must start at the same times on the same
  // instances. A small fleet that fragments and wide jobs that age past the cap exercise the
  // instances held for a starved wide job and the skipped passes. Re-recorded twice since: when
  // fair share began to take back the unrun part of a job's charge, and when a starved wide job
  // began to hold instances instead of stopping the pass (seed 1: SLO misses 23.3% -> 13.4%, p95
  // 580 -> 378 s, at 173.5 -> 173.7 instance-hours). Each time the order changed with the model,
  // not with the passes: with every skip disabled, the simulator gave these figures too.
  it.each([
    [1, { h: 173.7111111111111, m: 0.13403199117484832, p95: 378, p99: 1174.0326559343375, low: 2787.0326559343375, done: 1813, acts: 62, util: 0.7759152376682708 }],
    [3, { h: 164.1725, m: 0.1366120218579235, p95: 340.2761292019859, p99: 737, low: 1211.9845538493246, done: 1830, acts: 66, util: 0.7434886156415935 }],
  ])('gives the same results as the full-rescan simulator (seed %d)', (seed, gold) => {
    const r = run(seed);
    expect({
      h: r.instance_hours, m: r.slo_miss_fraction, p95: r.p95_delay_s, p99: r.p99_delay_s, low: r.lowest_tier_max_wait_s,
      done: r.jobs_completed, acts: r.scale_actions, util: r.mean_utilization,
    }).toEqual(gold);
  });
});
