import type { ScaleCommand, ScaleReason } from '../planning/types';
import type { WeightedSamples } from './weighted-samples';

/** One policy's outcome, in the JSON shape of `prm simulate`. */
export interface PolicyResult {
  instance_hours: number;
  /** Busy cores / ready cores over the run. */
  mean_utilization: number;
  /** Share of work (core-seconds, or jobs) that waited longer than the SLO delay. */
  slo_miss_fraction: number;
  p50_delay_s: number;
  p95_delay_s: number;
  p99_delay_s: number;
  /** Launch and terminate commands issued. */
  scale_actions: number;
  /** How many decisions each rule produced (explainability at a glance). */
  decisions_by_reason: Partial<Record<ScaleReason, number>>;
  /** The first few commands, with their explanation. */
  example_commands: ScaleCommand[];
}

export function delaySummary(delays: WeightedSamples, sloDelaySeconds: number) {
  return {
    slo_miss_fraction: delays.fractionAbove(sloDelaySeconds),
    p50_delay_s: delays.quantile(0.5),
    p95_delay_s: delays.quantile(0.95),
    p99_delay_s: delays.quantile(0.99),
  };
}
