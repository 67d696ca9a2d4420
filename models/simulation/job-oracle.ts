import type { ClusterView, ScaleDecision, ScalingPolicy } from '../planning/types';
import type { NeededInstances } from '../planning/oracle-policy';
import { simulateJobs, type JobSimulationOptions } from './jobs';

/** Keeps the fleet as it is: the plan's fleet changes only by provisioning on demand. */
const hold: ScalingPolicy = {
  name: 'hold',
  decide: (view: ClusterView): ScaleDecision => ({ desired: view.ready + view.booting, reason: 'oracle_exact', explanation: 'plan: fleet grows on demand' }),
};

/**
 * What the job oracle knows: the instances that must be ready at each moment for jobs to start
 * as early as any policy could start them. It is the simulator itself, run once on the same jobs,
 * scheduler and best-fit placement, with the starting fleet until `firstReadySeconds` (the
 * earliest a launch can be ready) and, from then on, fresh instances ready the moment a job
 * finds no room (up to the fleet's cap). Best fit puts a job on instances already in use before
 * empty ones, and empty instances are alike, so with that many instances ready at every moment a
 * run places every job on the same instances at the same time, and with fewer some job waits.
 * Exact up to best fit's ties between equally full instances holding different jobs: which one it
 * takes follows the fleet's order, which depends on when instances were launched, so a run and
 * its plan can drift apart by a few percent of instances and a few jobs can wait some seconds.
 * While a job waits (before the first launch is ready, or at the cap) every instance is needed.
 */
export function neededInstancesPlan(o: JobSimulationOptions, firstReadySeconds: number): NeededInstances {
  const times: number[] = [];
  const counts: number[] = [];
  simulateJobs(hold, {
    ...o, provisionOnDemandFrom: firstReadySeconds,
    onNeededInstances: (t, needed) => {
      if (times.length > 0 && times[times.length - 1] === t) counts[counts.length - 1] = needed;
      else {
        times.push(t);
        counts.push(needed);
      }
    },
  });
  return (from, to) => {
    // The count holding at `from`, then every change before `to`.
    let lo = 0;
    let hi = times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! <= from) lo = mid + 1;
      else hi = mid;
    }
    let peak = lo > 0 ? counts[lo - 1]! : 0;
    for (let k = lo; k < times.length && times[k]! < to; k++) peak = Math.max(peak, counts[k]!);
    return peak;
  };
}
