import { oraclePolicy, type NeededInstances } from '../../../models/planning/oracle-policy';
import { staticPolicy } from '../../../models/planning/static-policy';
import { neededInstancesPlan } from '../../../models/simulation/job-oracle';
import { concurrencyProfile } from '../../../models/simulation/job-demand';
import { peakBetween } from '../../../models/simulation/bitbrains-demand';
import { simulateJobs, type JobSimulationOptions } from '../../../models/simulation/jobs';
import type { TraceJob } from '../../../models/traces/jobs';

const BOOT = 300;
const CONTROL = 60;

function options(jobs: TraceJob[]): JobSimulationOptions {
  return {
    jobs, trainingJobs: [], startSeconds: 0, instanceCores: 8, instanceMemory: 1, bootDelaySeconds: BOOT, controlSeconds: CONTROL,
    sloDelaySeconds: 60, minInstances: 1, maxInstances: 100, initialInstances: 1, seed: 1,
  };
}

function burst(at: number, n: number, shape: Pick<TraceJob, 'cores' | 'memory' | 'durationSeconds'>, tag = `b${at}`): TraceJob[] {
  return Array.from({ length: n }, (_, k) => ({ id: `${tag}-${k}`, user: `u${k % 3}`, tier: k % 3, arrival: at, replicas: 1, ...shape }));
}

function maxWait(r: ReturnType<typeof simulateJobs>): number {
  return Math.max(...Object.values(r.per_tier).map((t) => t.max_wait_s));
}

function runOracle(o: JobSimulationOptions, needed: NeededInstances) {
  return simulateJobs(oraclePolicy(needed, BOOT, CONTROL), o);
}

/** The plan as run.ts makes it: no launch is ready before the first decision plus the boot delay. */
function plan(o: JobSimulationOptions): NeededInstances {
  return neededInstancesPlan(o, o.startSeconds + CONTROL + BOOT);
}

/** The oracle before this plan: peak requested cores per minute over instance cores. */
function coresOnly(o: JobSimulationOptions): NeededInstances {
  const profile = concurrencyProfile(o.jobs, o.startSeconds, o.startSeconds + 86_400, 60);
  return (from, to) => Math.ceil(peakBetween(profile, from, to) / o.instanceCores - 1e-9);
}

describe('job oracle', () => {
  const cases: [string, TraceJob[]][] = [
    // 1 core but 0.6 of an instance's memory: one job per instance, 12 instances for 12 cores.
    ['memory-bound jobs', burst(1000, 12, { cores: 1, memory: 0.6, durationSeconds: 600 })],
    // 5 of 8 cores each: one per instance, so 40 cores take 8 instances, not 5.
    ['jobs that fragment instances', burst(1000, 8, { cores: 5, memory: 0, durationSeconds: 600 })],
    // Idle between bursts for less than a boot delay: the second burst needs the first's instances kept.
    ['two bursts closer than a boot delay', [
      ...burst(1000, 6, { cores: 8, memory: 0, durationSeconds: 100 }),
      ...burst(1250, 6, { cores: 8, memory: 0, durationSeconds: 300 }, 'c'),
    ]],
  ];

  it.each(cases)('starts every job on arrival: %s', (_name, jobs) => {
    const o = options(jobs);
    const r = runOracle(o, plan(o));
    expect(r.jobs_completed).toBe(jobs.length);
    expect(maxWait(r)).toBe(0);
    expect(r.slo_miss_fraction).toBe(0);
  });

  it.each(cases)('holds no more than it needs: one instance fewer at the peak makes a job wait (%s)', (_name, jobs) => {
    const o = options(jobs);
    const needed = plan(o);
    const peak = needed(0, 86_400);
    const r = runOracle(o, (from, to) => Math.min(needed(from, to), peak - 1));
    expect(maxWait(r)).toBeGreaterThan(0);
  });

  it.each(cases.slice(0, 2))('sizing by cores alone makes jobs wait: %s', (_name, jobs) => {
    const o = options(jobs);
    expect(runOracle(o, coresOnly(o)).slo_miss_fraction).toBeGreaterThan(0.3);
  });

  it('releases instances once the jobs that need them are done', () => {
    const o = options([...burst(1000, 8, { cores: 5, memory: 0, durationSeconds: 600 }), ...burst(3000, 1, { cores: 1, memory: 0, durationSeconds: 60 })]);
    const r = runOracle(o, plan(o));
    expect(maxWait(r)).toBe(0);
    // One instance until the run ends at 3060 (the minimum), seven more from their launch at 660
    // (ready at 960, the last decision before the burst at 1000) to the first decision after the
    // burst ends at 1600.
    expect(r.instance_hours).toBeCloseTo((3060 + 7 * (1620 - 660)) / 3600, 9);
  });

  it('at a fleet cap that binds, keeps every instance while jobs wait: no fixed fleet at the cap waits less', () => {
    // Four memory-bound jobs, one per instance, ending one by one, and a job of four such replicas
    // that can start only when all four instances of the cap are free: idle instances are needed.
    const singles = [100, 200, 300, 600].map((d, k) => burst(1000, 1, { cores: 1, memory: 0.6, durationSeconds: d }, `s${k}`)[0]!);
    const wide = { ...burst(1000, 1, { cores: 1, memory: 0.6, durationSeconds: 300 }, 'w')[0]!, replicas: 4 };
    const o = { ...options([...singles, wide]), maxInstances: 4 };
    const oracle = runOracle(o, plan(o));
    const fixed = simulateJobs(staticPolicy(4 * 8, 8), o);
    expect(oracle.jobs_completed).toBe(5);
    expect(oracle.p99_delay_s).toBe(fixed.p99_delay_s);
    expect(oracle.slo_miss_fraction).toBe(fixed.slo_miss_fraction);
    expect(oracle.instance_hours).toBeLessThan(fixed.instance_hours);
  });
});
