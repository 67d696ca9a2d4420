import type { FleetBounds, ScalingPolicy } from '../planning/types';
import { ControlLoop } from './control';
import { Fleet } from './fleet';
import { delaySummary, type PolicyResult } from './result';
import { WeightedSamples } from './weighted-samples';
import { seededRandom } from '../seeded-random';
import type { Series } from '../forecasting/forecaster';

export interface FluidSimulationOptions extends FleetBounds {
  /** Demand in cores per step over the simulated period; NaN counts as no demand. */
  demand: Series;
  instanceCores: number;
  bootDelaySeconds: number;
  bootJitterSeconds?: number;
  /** Seconds between policy decisions; default 60. */
  controlSeconds?: number;
  /** Resolution of queueing and delay; must divide the step and the control interval; default 10. */
  tickSeconds?: number;
  sloDelaySeconds: number;
  /** Instances ready at the start. */
  initialInstances: number;
  seed: number;
}

/**
 * Fluid demand: each step's cores arrive evenly over the step as work (core-seconds). Ready cores
 * serve the oldest work first; what does not fit waits. A unit of work's delay is the time from its
 * arrival tick to the tick that serves it, so a delay is a multiple of the tick.
 */
export function simulateFluid(policy: ScalingPolicy, o: FluidSimulationOptions): PolicyResult {
  const tick = o.tickSeconds ?? 10;
  const control = o.controlSeconds ?? 60;
  const step = o.demand.stepSeconds;
  if (!(tick > 0) || step % tick !== 0 || control % tick !== 0) {
    throw new RangeError(`tickSeconds (${tick}) must divide the step (${step}) and the control interval (${control})`);
  }
  const start = o.demand.startSeconds;
  const end = start + o.demand.values.length * step;
  const fleet = new Fleet({ instanceCores: o.instanceCores, instanceMemory: 0, bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds, random: seededRandom(o.seed) }, start);
  fleet.launch(start, o.initialInstances, true);
  const loop = new ControlLoop(policy, o, fleet);
  const delays = new WeightedSamples();
  // FIFO of waiting work: arrival tick time and core-seconds left, as parallel arrays with a head.
  const qAt: number[] = [];
  const qWork: number[] = [];
  let head = 0;
  let backlog = 0;
  let served = 0;
  let capacity = 0;
  let wServed = 0;
  let wCapacity = 0;
  let wArrived = 0;
  let wStart = start;

  for (let t = start; t < end; t += tick) {
    if (t > start && (t - start) % control === 0) {
      const ready = fleet.readyCount(t);
      loop.step({
        now: t, ready, booting: fleet.size - ready, instanceCores: o.instanceCores, windowSeconds: t - wStart,
        utilization: wCapacity > 0 ? wServed / wCapacity : 0, demandCores: wArrived / (t - wStart), backlogCoreSeconds: backlog,
      });
      wServed = wCapacity = wArrived = 0;
      wStart = t;
    }
    const d = o.demand.values[Math.floor((t - start) / step)]!;
    const arriving = Number.isFinite(d) ? d * tick : 0;
    if (arriving > 0) {
      qAt.push(t);
      qWork.push(arriving);
      backlog += arriving;
      wArrived += arriving;
    }
    let free = fleet.readyCount(t) * o.instanceCores * tick;
    wCapacity += free;
    capacity += free;
    while (free > 1e-9 && head < qAt.length) {
      const take = Math.min(free, qWork[head]!);
      delays.add(t - qAt[head]!, take);
      free -= take;
      backlog -= take;
      served += take;
      wServed += take;
      qWork[head]! -= take;
      if (qWork[head]! <= 1e-9) head++;
    }
    if (head > 4096 && head * 2 > qAt.length) {
      qAt.splice(0, head);
      qWork.splice(0, head);
      head = 0;
    }
  }
  fleet.accrue(end);
  // Work still queued at the end waited at least until then; count it so a policy cannot hide misses.
  for (let k = head; k < qAt.length; k++) delays.add(end - qAt[k]!, qWork[k]!);
  return {
    instance_hours: fleet.instanceHours,
    mean_utilization: capacity > 0 ? served / capacity : 0,
    ...delaySummary(delays, o.sloDelaySeconds),
    scale_actions: loop.actions,
    decisions_by_reason: loop.byReason,
    example_commands: loop.examples,
  };
}
