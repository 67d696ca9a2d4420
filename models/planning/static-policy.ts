import type { ScaleDecision, ScalingPolicy } from './types';

/** A fixed fleet sized for the peak demand of the training period: no misses if the future stays below it. */
export function staticPolicy(trainingPeakCores: number, instanceCores: number): ScalingPolicy {
  if (!(trainingPeakCores >= 0) || !(instanceCores > 0)) throw new RangeError('static policy needs a peak >= 0 and instance cores > 0');
  const decision: ScaleDecision = {
    desired: Math.max(1, Math.ceil(trainingPeakCores / instanceCores)),
    reason: 'static_peak',
    explanation: `training peak ${trainingPeakCores.toFixed(1)} cores / ${instanceCores} cores per instance`,
  };
  return { name: 'static', decide: () => decision };
}
