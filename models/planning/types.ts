/**
 * What a scaling policy sees at one control tick: the cluster now and what it observed over the
 * last control window. Event time only; the same view is built by the simulator and (later) by
 * the planner processor from `prm.cluster-metrics`.
 */
export interface ClusterView {
  /** Event time of the decision, epoch seconds. */
  now: number;
  /** Instances serving work. */
  ready: number;
  /** Instances launched and not yet ready (paid for already). */
  booting: number;
  instanceCores: number;
  /** Seconds since the previous decision: the window the fields below cover. */
  windowSeconds: number;
  /** Mean cores busy over the window divided by ready cores: what an HPA reads. 0..1. */
  utilization: number;
  /** Cores of demand right now: arrival rate of fluid work, or cores of running plus queued jobs. */
  demandCores: number;
  /** Work waiting for capacity, core-seconds. */
  backlogCoreSeconds: number;
}

/** Why a policy chose its target; every decision names one. */
export type ScaleReason =
  | 'forecast' // proactive: a forecast quantile plus headroom set the target
  | 'reactive_floor' // current demand plus backlog set the target above the forecast
  | 'hold_hysteresis' // the target fell, but not for long enough to scale in
  | 'scale_in_gradual' // the target stayed low: shed a bounded share of instances
  | 'hpa_scale' // Kubernetes HPA: ceil(ready x utilization / target)
  | 'hpa_tolerance' // HPA: utilization within tolerance of its target, no change
  | 'hpa_stabilization' // HPA: scale-down held by the stabilization window
  | 'static_peak' // fixed fleet sized for the training peak
  | 'oracle_exact' // exact future demand, one boot delay ahead
  | 'bounds'; // clamped to min/max instances

export interface ScaleDecision {
  /** Instances wanted (ready + booting) after this decision. */
  desired: number;
  reason: ScaleReason;
  /** One sentence a human can check: which forecast and which rule gave `desired`. */
  explanation: string;
}

/** A decision that changes the fleet, as the planner emits it on `prm.scale-commands`. */
export interface ScaleCommand extends ScaleDecision {
  at: number;
  action: 'launch' | 'terminate';
  count: number;
  /** Instances (ready + booting) before the command. */
  from: number;
}

/** A policy is a small stateful decider; `decide` is called once per control tick, in time order. */
export interface ScalingPolicy {
  readonly name: string;
  decide(view: ClusterView): ScaleDecision;
}

export interface FleetBounds {
  minInstances: number;
  maxInstances: number;
}

/** Applies min/max and says so when they bind, keeping the policy's own reason otherwise. */
export function clampToBounds(d: ScaleDecision, b: FleetBounds): ScaleDecision {
  if (d.desired < b.minInstances) {
    return { desired: b.minInstances, reason: 'bounds', explanation: `${d.explanation}; raised to min_instances=${b.minInstances}` };
  }
  if (d.desired > b.maxInstances) {
    return { desired: b.maxInstances, reason: 'bounds', explanation: `${d.explanation}; capped at max_instances=${b.maxInstances}` };
  }
  return d;
}

export function checkBounds(b: FleetBounds): void {
  if (!Number.isInteger(b.minInstances) || b.minInstances < 0) throw new RangeError(`minInstances must be a non-negative integer, got ${b.minInstances}`);
  if (!Number.isInteger(b.maxInstances) || b.maxInstances < Math.max(1, b.minInstances)) {
    throw new RangeError(`maxInstances must be an integer >= max(1, minInstances), got ${b.maxInstances}`);
  }
}
