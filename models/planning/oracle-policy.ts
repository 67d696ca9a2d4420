import type { ClusterView, ScaleDecision, ScalingPolicy } from './types';

/** The future demand an oracle is given: the most cores needed at any time in [from, to). */
export type PeakDemand = (fromSeconds: number, toSeconds: number) => number;

/**
 * The lower bound: knows the demand exactly and launches exactly one boot delay ahead, so
 * instances become ready when the demand they serve arrives, and releases them as soon as
 * nothing before the next decision needs them.
 */
export function oraclePolicy(peak: PeakDemand, bootDelaySeconds: number, controlSeconds: number): ScalingPolicy {
  return {
    name: 'oracle',
    decide(view: ClusterView): ScaleDecision {
      // What launches now is ready at now + boot; what is kept now must also cover until then,
      // plus draining what already waits.
      const keep = peak(view.now, view.now + controlSeconds) + view.backlogCoreSeconds / Math.max(controlSeconds, 1);
      const ahead = peak(view.now + bootDelaySeconds, view.now + bootDelaySeconds + controlSeconds);
      const keepInstances = Math.ceil(keep / view.instanceCores - 1e-9);
      const aheadInstances = Math.ceil(ahead / view.instanceCores - 1e-9);
      const desired = Math.max(keepInstances, aheadInstances);
      return {
        desired,
        reason: 'oracle_exact',
        explanation: `exact demand: ${keep.toFixed(1)} cores now, ${ahead.toFixed(1)} cores at +${bootDelaySeconds}s`,
      };
    },
  };
}
