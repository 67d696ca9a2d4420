import { seededRandom } from '../seeded-random';
import type { FleetBounds, ScalingPolicy } from '../planning/types';
import type { JobRequest } from '../scheduling/job';
import { totalCores } from '../scheduling/job';
import { bestFit, lackingRoom, partsThatFit } from '../scheduling/placement';
import { Scheduler, type QueuedJob, type RejectReason, type SchedulerOptions } from '../scheduling/scheduler';
import { SizeEstimator } from '../scheduling/size-estimator';
import type { TraceJob } from '../traces/jobs';
import { ControlLoop } from './control';
import { Fleet, type Instance } from './fleet';
import { delaySummary, type PolicyResult } from './result';
import { WeightedSamples } from './weighted-samples';
import { MinHeap } from '../scheduling/min-heap';
import { ShapesWithoutRoom } from './shapes-without-room';

export interface JobSimulationOptions extends FleetBounds {
  /** Jobs to simulate, any order; sorted by (arrival, id) here. */
  jobs: TraceJob[];
  /** Completed jobs before the simulated period: they train the run-time predictor. */
  trainingJobs: TraceJob[];
  startSeconds: number;
  instanceCores: number;
  instanceMemory: number;
  bootDelaySeconds: number;
  bootJitterSeconds?: number;
  controlSeconds?: number;
  sloDelaySeconds: number;
  initialInstances: number;
  seed: number;
  scheduler?: Omit<SchedulerOptions, 'limits'>;
  /**
   * From this time on, a job that finds no room gets fresh instances, ready at once, as many as
   * its placement needs, up to `maxInstances`: the oracle's plan (see job-oracle.ts). Never in a
   * policy's own run.
   */
  provisionOnDemandFrom?: number;
  /**
   * Called after every event that changed them with the ready instances needed: those holding
   * running jobs, or all of them while a job waits for room.
   */
  onNeededInstances?: (t: number, needed: number) => void;
}

export interface TierResult {
  jobs: number;
  rejected: number;
  p50_wait_s: number;
  p95_wait_s: number;
  p99_wait_s: number;
  max_wait_s: number;
}

export interface JobPolicyResult extends PolicyResult {
  jobs_completed: number;
  jobs_rejected: Partial<Record<RejectReason, number>>;
  jobs_unfinished: number;
  per_tier: Record<string, TierResult>;
  lowest_tier_max_wait_s: number;
}

interface Running {
  q: QueuedJob;
  job: TraceJob;
  placement: { bin: Instance; replicas: number }[];
  endsAt: number;
  order: number;
}

/**
 * Discrete-event simulation of jobs: arrivals are admitted into the priority scheduler, placed by
 * best-fit on the predicted (requested) cores and memory when room exists, and run for their real
 * duration. A job's delay is its wait from arrival to start; the SLO counts jobs.
 */
export function simulateJobs(policy: ScalingPolicy, o: JobSimulationOptions): JobPolicyResult {
  const control = o.controlSeconds ?? 60;
  const jobs = [...o.jobs].sort((a, b) => a.arrival - b.arrival || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const fleet = new Fleet({ instanceCores: o.instanceCores, instanceMemory: o.instanceMemory, bootDelaySeconds: o.bootDelaySeconds, bootJitterSeconds: o.bootJitterSeconds, random: seededRandom(o.seed) }, o.startSeconds);
  fleet.launch(o.startSeconds, o.initialInstances, true);
  const loop = new ControlLoop(policy, o, fleet);
  const scheduler = new Scheduler({ ...o.scheduler, limits: { instanceCores: o.instanceCores, instanceMemory: o.instanceMemory, maxInstances: o.maxInstances } });
  const estimator = new SizeEstimator();
  for (const j of [...o.trainingJobs].sort((a, b) => a.arrival + a.durationSeconds - (b.arrival + b.durationSeconds))) estimator.observe(j.user, j.durationSeconds);
  const byId = new Map<string, TraceJob>();
  // Completions in (end time, start order): a deterministic order for equal end times.
  const ends = new MinHeap<Running>((a, b) => a.endsAt - b.endsAt || a.order - b.order);
  let started = 0;
  const waits = new WeightedSamples();
  const tierWaits = new Map<number, WeightedSamples>();
  const tierCounts = new Map<number, { jobs: number; rejected: number }>();
  const rejected: Partial<Record<RejectReason, number>> = {};
  let completed = 0;
  let busyCoreSeconds = 0;
  let readyCoreSeconds = 0;
  let reservedCores = 0;
  let lastT = o.startSeconds;
  let wBusy = 0;
  let wQueued = 0;
  let queuedCores = 0;
  let wReady = 0;
  let wStart = o.startSeconds;
  let nextArrival = 0;
  let nextControl = o.startSeconds + control;
  /** Admissions and completions so far: the events after which a job may start. */
  let roomChanges = 0;
  /** Instances holding at least one running job, and the needed instances last reported. */
  let busyInstances = 0;
  let reportedNeed = 0;
  const lastPass: { at: number; ready?: readonly Instance[]; changes: number; stopped: boolean } = { at: -Infinity, changes: -1, stopped: false };
  const noRoom = new ShapesWithoutRoom();
  const lastArrival = jobs.length > 0 ? jobs[jobs.length - 1]!.arrival : o.startSeconds;

  const advance = (t: number) => {
    const ready = fleet.readyCount(lastT) * o.instanceCores;
    busyCoreSeconds += reservedCores * (t - lastT);
    readyCoreSeconds += ready * (t - lastT);
    wBusy += reservedCores * (t - lastT);
    wQueued += queuedCores * (t - lastT);
    wReady += ready * (t - lastT);
    lastT = t;
  };

  while (true) {
    const tArrival = nextArrival < jobs.length ? jobs[nextArrival]!.arrival : Infinity;
    const tEnd = ends.peek()?.endsAt ?? Infinity;
    const tReady = fleet.nextReadyAt(lastT);
    const busy = nextArrival < jobs.length || ends.size > 0 || scheduler.size > 0;
    if (!busy) break;
    const tControl = nextControl;
    const t = Math.min(tArrival, tEnd, tReady, tControl);
    advance(t);
    // Completions first so freed room is visible to this instant's arrivals.
    while ((ends.peek()?.endsAt ?? Infinity) <= t) {
      const r = ends.pop()!;
      for (const p of r.placement) {
        noRoom.grow(p.bin, () => {
          p.bin.freeCores += r.job.cores * p.replicas;
          p.bin.freeMemory += r.job.memory * p.replicas;
        });
        p.bin.running -= 1;
        if (p.bin.running === 0) busyInstances--;
      }
      reservedCores -= totalCores(r.job);
      scheduler.complete(r.q, r.job.durationSeconds, t);
      estimator.observe(r.job.user, r.job.durationSeconds);
      completed++;
      roomChanges++;
    }
    while (nextArrival < jobs.length && jobs[nextArrival]!.arrival <= t) {
      const job = jobs[nextArrival++]!;
      byId.set(job.id, job);
      const counts = tierCounts.get(job.tier) ?? { jobs: 0, rejected: 0 };
      tierCounts.set(job.tier, counts);
      counts.jobs++;
      const a = scheduler.admit(stripDuration(job), estimator.predict(job.user));
      if (a.admitted) {
        queuedCores += totalCores(job);
        roomChanges++;
      }
      else {
        rejected[a.reason] = (rejected[a.reason] ?? 0) + 1;
        counts.rejected++;
      }
    }
    if (t >= tControl) {
      const ready = fleet.readyCount(t);
      loop.step({
        now: t, ready, booting: fleet.size - ready, instanceCores: o.instanceCores, windowSeconds: t - wStart,
        // Pending jobs count as load, time-averaged like busy cores (as the cluster autoscaler sees
        // pending pods): busy cores alone never exceed capacity, so a job that fits nowhere would
        // otherwise never cause a scale-out.
        utilization: wReady > 0 ? (wBusy + wQueued) / wReady : scheduler.size > 0 ? 1 : 0, demandCores: reservedCores + queuedCores, backlogCoreSeconds: 0,
      });
      wBusy = wReady = wQueued = 0;
      wStart = t;
      nextControl = t + control;
      if (nextArrival >= jobs.length && ends.size === 0 && scheduler.size === 0) break;
      if (t > lastArrival + 30 * 86_400) break; // a fleet that can never run what is queued
    }
    if (o.provisionOnDemandFrom !== undefined && t >= o.provisionOnDemandFrom && fleet.size < o.maxInstances) dispatchOnDemand(t);
    else dispatch(t);
    if (o.onNeededInstances) {
      // A job waiting for room needs every instance: with one fewer it would wait longer.
      const need = scheduler.size > 0 ? fleet.readyCount(t) : busyInstances;
      if (need !== reportedNeed) o.onNeededInstances(t, (reportedNeed = need));
    }
  }
  fleet.accrue(lastT);
  // Jobs still queued at the end waited at least until then; they count, so a policy cannot hide misses.
  for (const q of scheduler.ordered(lastT)) waits.add(lastT - q.job.arrival, 1);

  function dispatch(t: number): void {
    if (scheduler.size === 0) return;
    const ready = fleet.readyInstances(t);
    // A pass that tried every job it could and held no room for a starved wide job leaves
    // nothing that fits: until room is freed, an instance gets ready or a job arrives, the same
    // pass would place nothing again, whatever the order, so it is skipped.
    let gotReady = false;
    if (ready !== lastPass.ready) {
      for (const i of ready) {
        if (i.readyAt > lastPass.at) {
          gotReady = true;
          noRoom.added(i);
        }
      }
    }
    const roomAsBefore = !gotReady && lastPass.changes === roomChanges;
    if (roomAsBefore && !lastPass.stopped) return;
    lastPass.at = t;
    lastPass.ready = ready;
    lastPass.changes = roomChanges;
    lastPass.stopped = false;
    let freeCores = 0;
    let maxFreeCores = 0;
    let maxFreeMemory = 0;
    for (const i of ready) {
      freeCores += i.freeCores;
      maxFreeCores = Math.max(maxFreeCores, i.freeCores);
      maxFreeMemory = Math.max(maxFreeMemory, i.freeMemory);
    }
    if (freeCores < o.instanceCores * 1e-6) return;
    // Necessary for bestFit to place a job (same rounding as its per-bin count), and room only
    // shrinks during this pass, so a job failing it now fails it for the rest of the pass.
    const roomCores = freeCores;
    const mightFit = (q: QueuedJob) => totalCores(q.job) <= roomCores + 1e-9
      && Math.floor(maxFreeCores / q.job.cores + 1e-9) >= 1
      && (q.job.memory <= 0 || Math.floor(maxFreeMemory / q.job.memory + 1e-9) >= 1);
    // After a pass that held room for a starved wide job, the hold and the jobs' ranks may have
    // moved since; but when no queued job could fit at all, ranking them (the costly part) is
    // pointless. A fleet too small for what waits, kept for days at the end of a run, hit this
    // every minute.
    if (roomAsBefore && !scheduler.some((q) => mightFit(q) && !noRoom.has(ShapesWithoutRoom.key(q.job.cores, q.job.memory, q.job.replicas)))) {
      lastPass.stopped = true;
      return;
    }
    // Once a job that has waited too long finds no room, instances are held for it (see
    // instancesToHold) and the jobs ranked below it start on the others only.
    let unheld: Instance[] | undefined;
    /** Shapes that found no room on the unheld instances in this pass (room only shrinks in it). */
    const noRoomUnheld = new Set<string>();
    for (const q of scheduler.dispatchOrder(t, mightFit, true)) {
      if (freeCores < o.instanceCores * 1e-6) break;
      const shape = ShapesWithoutRoom.key(q.job.cores, q.job.memory, q.job.replicas);
      let placement: ReturnType<typeof bestFit<Instance>> = [];
      if (totalCores(q.job) <= freeCores + 1e-9 && !noRoom.has(shape)) {
        if (!unheld) {
          const room = { parts: 0 };
          placement = bestFit(ready, q.job.cores, q.job.memory, q.job.replicas, o.instanceCores, o.instanceMemory, room);
          if (placement.length === 0) noRoom.add(shape, q.job.cores, q.job.memory, q.job.replicas, room.parts);
        } else if (!noRoomUnheld.has(shape)) {
          placement = bestFit(unheld, q.job.cores, q.job.memory, q.job.replicas, o.instanceCores, o.instanceMemory);
          if (placement.length === 0) noRoomUnheld.add(shape);
        }
      }
      if (placement.length === 0) {
        if (!unheld && scheduler.mustNotBeOvertaken(q, t)) {
          const held = instancesToHold(ready, q.job);
          unheld = ready.filter((i) => !held.has(i));
          // The hold follows the ranking, which moves with time: the next event passes again.
          lastPass.stopped = true;
        }
        continue;
      }
      start(q, placement, t);
      freeCores -= totalCores(q.job);
    }
  }

  /**
   * The instances held for a starved job: as many as its replicas need when empty, those where
   * it lacks the least room (cores and memory as fractions of an instance), the first of equals.
   * Jobs ranked below it never start there, so the room it lacks there only shrinks, and another
   * instance is held only if it comes closer still: the job starts in the end, whatever smaller
   * jobs arrive. The live scheduler holds one bin per task the same way, and also lets in jobs
   * whose timeout ends before the wide job's expected start (models/scheduling/reservation.ts);
   * this model's jobs have no timeouts, so its hold stays strict. Letting in jobs on their
   * predicted p90 run time instead cut the p99 wait on the Alibaba trace, but the top tier's
   * longest wait more than doubled and the reactive policy ran six times the instance-hours.
   */
  function instancesToHold(ready: readonly Instance[], job: JobRequest): Set<Instance> {
    const perInstance = partsThatFit({ freeCores: o.instanceCores, freeMemory: o.instanceMemory }, job.cores, job.memory);
    const parts = Math.min(perInstance, job.replicas);
    const lacking = ready.map((i, at) => ({ i, at, lacks: lackingRoom(i, parts * job.cores, parts * job.memory, o.instanceCores, o.instanceMemory) }));
    lacking.sort((a, b) => a.lacks - b.lacks || a.at - b.at);
    return new Set(lacking.slice(0, Math.ceil(job.replicas / Math.max(1, perInstance))).map((x) => x.i));
  }

  /**
   * Every queued job in dispatch order, each on the ready instances by the same best fit, with
   * as many fresh ready instances as it lacks room for: empty instances rank last in best fit, so
   * the fresh ones take exactly the parts the others cannot hold, and the placement on the rest
   * is what it would be with enough ready instances of any history. A job that would take the
   * fleet past `maxInstances` takes it to the cap, and the rest waits by the usual dispatch.
   */
  function dispatchOnDemand(t: number): void {
    for (const q of scheduler.dispatchOrder(t, () => true)) {
      const room = { parts: 0 };
      let placement = bestFit(fleet.readyInstances(t), q.job.cores, q.job.memory, q.job.replicas, o.instanceCores, o.instanceMemory, room);
      if (placement.length === 0) {
        const perInstance = partsThatFit({ freeCores: o.instanceCores, freeMemory: o.instanceMemory }, q.job.cores, q.job.memory);
        const lacking = Math.ceil((q.job.replicas - room.parts) / perInstance);
        if (fleet.size + lacking > o.maxInstances) {
          fleet.launch(t, o.maxInstances - fleet.size, true);
          dispatch(t);
          return;
        }
        fleet.launch(t, lacking, true);
        placement = bestFit(fleet.readyInstances(t), q.job.cores, q.job.memory, q.job.replicas, o.instanceCores, o.instanceMemory);
      }
      start(q, placement, t);
    }
  }

  function start(q: QueuedJob, placement: { bin: Instance; replicas: number }[], t: number): void {
    const job = byId.get(q.job.id)!;
    scheduler.dispatch(q.job.id, t);
    for (const p of placement) {
      p.bin.freeCores -= job.cores * p.replicas;
      p.bin.freeMemory -= job.memory * p.replicas;
      if (p.bin.running === 0) busyInstances++;
      p.bin.running += 1;
    }
    queuedCores -= totalCores(job);
    reservedCores += totalCores(job);
    ends.push({ q, job, placement, endsAt: t + job.durationSeconds, order: started++ });
    const wait = t - job.arrival;
    waits.add(wait, 1);
    const tw = tierWaits.get(job.tier) ?? new WeightedSamples();
    tierWaits.set(job.tier, tw);
    tw.add(wait, 1);
  }

  const perTier: Record<string, TierResult> = {};
  const tiers = [...tierCounts.keys()].sort((a, b) => a - b);
  for (const tier of tiers) {
    const w = tierWaits.get(tier) ?? new WeightedSamples();
    const c = tierCounts.get(tier)!;
    perTier[String(tier)] = { jobs: c.jobs, rejected: c.rejected, p50_wait_s: w.quantile(0.5), p95_wait_s: w.quantile(0.95), p99_wait_s: w.quantile(0.99), max_wait_s: w.max() };
  }
  const lowest = tiers.length > 0 ? perTier[String(tiers[tiers.length - 1])]! : undefined;
  return {
    instance_hours: fleet.instanceHours,
    mean_utilization: readyCoreSeconds > 0 ? busyCoreSeconds / readyCoreSeconds : 0,
    ...delaySummary(waits, o.sloDelaySeconds),
    scale_actions: loop.actions,
    decisions_by_reason: loop.byReason,
    example_commands: loop.examples,
    jobs_completed: completed,
    jobs_rejected: rejected,
    jobs_unfinished: scheduler.size + ends.size,
    per_tier: perTier,
    lowest_tier_max_wait_s: lowest?.max_wait_s ?? 0,
  };
}

function stripDuration(j: TraceJob): JobRequest {
  return { id: j.id, user: j.user, tier: j.tier, arrival: j.arrival, cores: j.cores, memory: j.memory, replicas: j.replicas };
}
