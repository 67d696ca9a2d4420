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
  // starved-job stopper and the skipped passes. Re-recorded once since, when fair share began to
  // take back the unrun part of a job's charge (the incremental passes matched the full rescan
  // until then; the order changed with the model, not with the passes).
  it.each([
    [1, { h: 173.4611111111111, m: 0.23331494760066188, p95: 579.8163261604495, p99: 1388.183440182358, low: 2779.183440182358, done: 1813, acts: 67, util: 0.7770647788064422 }],
    [3, { h: 165.1725, m: 0.18688524590163935, p95: 461.3785123010166, p99: 726, low: 1082, done: 1830, acts: 68, util: 0.7395264664999113 }],
  ])('gives the same results as the full-rescan simulator (seed %d)', (seed, gold) => {
    const r = run(seed);
    expect({
      h: r.instance_hours, m: r.slo_miss_fraction, p95: r.p95_delay_s, p99: r.p99_delay_s, low: r.lowest_tier_max_wait_s,
      done: r.jobs_completed, acts: r.scale_actions, util: r.mean_utilization,
    }).toEqual(gold);
  });
});
