import { clampToBounds, type ClusterView, type FleetBounds, type ScaleCommand, type ScaleReason, type ScalingPolicy } from '../planning/types';
import type { Fleet } from './fleet';

const EXAMPLES = 8;

/** Runs a policy's decision against the fleet and keeps the audit trail both simulators report. */
export class ControlLoop {
  actions = 0;
  readonly byReason: Partial<Record<ScaleReason, number>> = {};
  readonly examples: ScaleCommand[] = [];

  constructor(private readonly policy: ScalingPolicy, private readonly bounds: FleetBounds, private readonly fleet: Fleet) {}

  step(view: ClusterView): void {
    const d = clampToBounds(this.policy.decide(view), this.bounds);
    this.byReason[d.reason] = (this.byReason[d.reason] ?? 0) + 1;
    const from = this.fleet.size;
    let command: ScaleCommand | undefined;
    if (d.desired > from) {
      this.fleet.launch(view.now, d.desired - from);
      command = { ...d, at: view.now, action: 'launch', count: d.desired - from, from };
    } else if (d.desired < from) {
      const removed = this.fleet.terminate(view.now, from - d.desired);
      if (removed > 0) command = { ...d, at: view.now, action: 'terminate', count: removed, from };
    }
    if (command) {
      this.actions++;
      if (this.examples.length < EXAMPLES) this.examples.push(command);
    }
  }
}
