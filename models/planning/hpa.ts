import type { ClusterView, ScaleDecision, ScalingPolicy } from './types';

export interface HpaOptions {
  /** Target utilization; default 0.7. */
  target?: number;
  /** No change while |utilization / target - 1| <= tolerance; default 0.1 (Kubernetes' default). */
  tolerance?: number;
  /** Scale-down uses the highest recommendation of this trailing window; default 300 s. */
  scaleDownStabilizationSeconds?: number;
}

/**
 * The Kubernetes Horizontal Pod Autoscaler's algorithm on instances: desired = ceil(ready x
 * utilization / target), skipped within the tolerance, scale-down stabilised over a window.
 * Booting instances are not counted as capacity (like unready pods) but are kept.
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 */
export function hpaPolicy({ target = 0.7, tolerance = 0.1, scaleDownStabilizationSeconds = 300 }: HpaOptions = {}): ScalingPolicy {
  if (!(target > 0 && target <= 1)) throw new RangeError(`HPA target must be in (0, 1], got ${target}`);
  if (!(tolerance >= 0)) throw new RangeError(`HPA tolerance must be >= 0, got ${tolerance}`);
  if (!(scaleDownStabilizationSeconds >= 0)) throw new RangeError('scaleDownStabilizationSeconds must be >= 0');
  const recommendations: { at: number; desired: number }[] = [];
  return {
    name: 'reactive',
    decide(view: ClusterView): ScaleDecision {
      const current = view.ready + view.booting;
      const ratio = view.utilization / target;
      let desired = current;
      let reason: ScaleDecision['reason'] = 'hpa_tolerance';
      if (view.ready === 0) {
        desired = Math.max(current, view.demandCores > 0 || view.backlogCoreSeconds > 0 ? 1 : 0);
        reason = 'hpa_scale';
      } else if (Math.abs(ratio - 1) > tolerance) {
        desired = Math.ceil(view.ready * ratio);
        reason = 'hpa_scale';
      }
      recommendations.push({ at: view.now, desired });
      while (recommendations.length > 0 && recommendations[0]!.at <= view.now - scaleDownStabilizationSeconds) recommendations.shift();
      const stabilized = Math.max(...recommendations.map((r) => r.desired));
      const util = `utilization ${(view.utilization * 100).toFixed(0)}% vs target ${(target * 100).toFixed(0)}% on ${view.ready} ready`;
      if (desired >= current) {
        return { desired, reason, explanation: reason === 'hpa_tolerance' ? `${util}: within ±${tolerance * 100}% tolerance` : `${util}: ceil(${view.ready} x ${ratio.toFixed(2)}) = ${desired}` };
      }
      if (stabilized > desired) {
        return { desired: Math.min(current, stabilized), reason: 'hpa_stabilization', explanation: `${util}: wants ${desired}, held at ${Math.min(current, stabilized)} by the ${scaleDownStabilizationSeconds}s scale-down stabilization window` };
      }
      return { desired, reason, explanation: `${util}: ceil(${view.ready} x ${ratio.toFixed(2)}) = ${desired}` };
    },
  };
}
