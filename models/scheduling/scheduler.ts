import { FairShare } from './fair-share';
import { MinHeap } from './min-heap';
import { totalCores, totalMemory, type DurationForecast, type JobRequest } from './job';

export interface SchedulerWeights {
  /** Weight of the tier term (1 for tier 0 down to 0 for the lowest tier). */
  tier: number;
  /** Weight of shortest-predicted-first (1 for tiny jobs, 0 at `sizeScaleCoreSeconds`). */
  size: number;
  /** Weight of ageing (wait / ageCap, capped at 1). */
  age: number;
  /**
   * Weight of the fair-share penalty: 0 for a user given nothing lately, 1/2 at the mean of the
   * users with queued work, towards 1 for one holding nearly everything (see FairShare).
   */
  fair: number;
  /**
   * Weight of deadline urgency: 0 while the job could still start `deadlineHorizonSeconds` later
   * and meet its deadline, rising to 1 when it must start now (and staying 1 once it cannot).
   */
  deadline: number;
}

export interface SchedulerOptions {
  /** Number of tiers; tier 0 is the highest. Default 3. */
  tiers?: number;
  /**
   * Default tier 1, size 0.75, age 2, fair 0.5, deadline 0.5: a job waiting `ageCapSeconds`
   * outranks any fresh one, and a deadline due now is worth a quarter of that wait.
   */
  weights?: Partial<SchedulerWeights>;
  /** Quantile of the run-time forecast used for size (not the mean); default p90. */
  sizeQuantile?: keyof DurationForecast;
  /** Ageing reaches its cap after this wait; default 1800 s. */
  ageCapSeconds?: number;
  /**
   * Deadline urgency starts this long before a job's latest start (its deadline less its
   * predicted run time at `sizeQuantile`, inflated as for size); default 600 s.
   */
  deadlineHorizonSeconds?: number;
  /** Predicted work (core-seconds) at which the size bonus reaches 0; default 1e6. */
  sizeScaleCoreSeconds?: number;
  /** Fair-share usage half-life; default 3600 s. */
  fairShareHalfLifeSeconds?: number;
  /** Queue bound; arrivals beyond it are rejected. Default 10,000. */
  maxQueue?: number;
  /** Largest job the fleet could ever hold (cores, memory per replica and in total). */
  limits: { instanceCores: number; instanceMemory: number; maxInstances: number };
  /** A user's size inflation after underestimates decays with this half-life; default 3600 s. */
  underestimateHalfLifeSeconds?: number;
  /** Cap on that inflation; default 8. */
  maxInflation?: number;
}

export type RejectReason = 'queue_full' | 'replica_too_large' | 'job_too_large' | 'invalid_request';

export type Admission = { admitted: true } | { admitted: false; reason: RejectReason; explanation: string };

export interface QueuedJob {
  job: JobRequest;
  forecast: DurationForecast;
  /** Arrival order: the FIFO tie-break. */
  seq: number;
}

export interface ScoredJob extends QueuedJob {
  score: number;
}

/**
 * A queued job with its score. Named fields, not `{ ...q, score }`: on Node 20 a spread that
 * adds a key measured ~2.5 µs against ~40 ns, and schedulers build one per dispatch or more.
 */
export function scoredJob(q: QueuedJob, score: number): ScoredJob {
  return { job: q.job, forecast: q.forecast, seq: q.seq, score };
}

/**
 * What the scheduler remembers of a user beyond its queued jobs: decayed usage (fair share) and
 * the underestimate guard's inflation, each as last written; decay resumes from those times.
 */
export interface UserState {
  /** Core-seconds. */
  usage: number;
  usageAt: number;
  inflationExcess: number;
  inflationAt: number;
  /** Memory-seconds (in the jobs' memory unit); absent in states written before it was kept. */
  memoryUsage?: number;
  memoryUsageAt?: number;
}

interface UserTerms {
  inflation: number;
  fair: number;
}

/** The per-user terms at one instant, each user's worked out once (memoised). */
type TermsAt = (user: string) => UserTerms;

/** Best first: score descending, then arrival order (FIFO ties); a total order, so deterministic. */
export function byRank(a: ScoredJob, b: ScoredJob): number {
  return b.score - a.score || a.seq - b.seq;
}

/** A forecast under which any job counts as the largest: scoreParts' size term. */
const unboundedForecast: DurationForecast = { p50: Infinity, p90: Infinity };

/** The time-dependent parts of a job's score (see `scoreParts`), each what the score would lose without it. */
export interface ScoreParts {
  aging: number;
  size: number;
  deadline: number;
  /** Seconds until the job must start to meet its deadline at its predicted run time (negative: late); undefined without one. */
  startWithinSeconds?: number;
}

/**
 * The priority queue: a job's score is a weighted sum of its tier, how small it is predicted to
 * be, how long it has waited (capped), how close it is to the latest start that meets its deadline
 * (if it has one) and how little its user consumed lately compared with the other users waiting
 * (FairShare: relative, so it holds for small jobs as for large); ties go to the earlier arrival.
 * Scores change with time (ageing, deadlines, decay), so `ordered(now)` scores afresh.
 *
 * Underestimate guard: when a user's job runs longer than its predicted quantile, that user's
 * later size predictions are inflated by the overrun ratio (capped, decaying), so optimistic
 * predictions stop buying priority but are forgiven over time; a running job is never re-queued,
 * and its real usage is charged to its user's fair share.
 */
export class Scheduler {
  private readonly queue = new Map<string, QueuedJob>();
  private readonly fair: FairShare;
  private readonly inflation = new Map<string, { excess: number; at: number }>();
  private readonly w: SchedulerWeights;
  private readonly o: Required<Omit<SchedulerOptions, 'weights' | 'limits'>> & Pick<SchedulerOptions, 'limits'>;
  private seq = 0;

  constructor(options: SchedulerOptions) {
    this.w = { tier: 1, size: 0.75, age: 2, fair: 0.5, deadline: 0.5, ...options.weights };
    this.o = {
      tiers: 3, sizeQuantile: 'p90', ageCapSeconds: 1800, deadlineHorizonSeconds: 600, sizeScaleCoreSeconds: 1e6, fairShareHalfLifeSeconds: 3600,
      maxQueue: 10_000, underestimateHalfLifeSeconds: 3600, maxInflation: 8, ...options,
    };
    if (!Number.isInteger(this.o.tiers) || this.o.tiers < 1) throw new RangeError(`tiers must be a positive integer, got ${this.o.tiers}`);
    if (!(this.o.ageCapSeconds > 0)) throw new RangeError('ageCapSeconds must be positive');
    if (!(this.o.deadlineHorizonSeconds > 0)) throw new RangeError('deadlineHorizonSeconds must be positive');
    if (!Number.isInteger(this.o.maxQueue) || this.o.maxQueue < 1) throw new RangeError('maxQueue must be a positive integer');
    if (Object.values(this.w).some((x) => !(x >= 0))) throw new RangeError('weights must be >= 0');
    this.fair = new FairShare(this.o.fairShareHalfLifeSeconds);
  }

  /** Admission control: a job is queued or rejected with a reason, never silently dropped. */
  admit(job: JobRequest, forecast: DurationForecast): Admission {
    const { instanceCores, instanceMemory, maxInstances } = this.o.limits;
    if (
      !(job.cores > 0) || !(job.memory >= 0) || !Number.isInteger(job.replicas) || job.replicas < 1 || !Number.isInteger(job.tier) || job.tier < 0 || job.tier >= this.o.tiers
      || (job.deadline !== undefined && !Number.isFinite(job.deadline))
    ) {
      return { admitted: false, reason: 'invalid_request', explanation: `job ${job.id}: cores must be > 0, memory >= 0, replicas a positive integer, tier in 0..${this.o.tiers - 1}, a deadline finite` };
    }
    if (job.cores > instanceCores || job.memory > instanceMemory) {
      return { admitted: false, reason: 'replica_too_large', explanation: `job ${job.id}: a replica needs ${job.cores} cores / ${job.memory} memory, an instance has ${instanceCores} / ${instanceMemory}` };
    }
    const perInstance = Math.min(Math.floor(instanceCores / job.cores + 1e-9), job.memory > 0 ? Math.floor(instanceMemory / job.memory + 1e-9) : Infinity);
    if (Math.ceil(job.replicas / perInstance) > maxInstances) {
      return { admitted: false, reason: 'job_too_large', explanation: `job ${job.id}: ${job.replicas} replicas need more than max_instances=${maxInstances}` };
    }
    if (this.queue.size >= this.o.maxQueue) {
      return { admitted: false, reason: 'queue_full', explanation: `job ${job.id}: queue holds its limit of ${this.o.maxQueue} jobs` };
    }
    this.queue.set(job.id, { job, forecast, seq: this.seq++ });
    this.fair.enqueued(job.user);
    return { admitted: true };
  }

  /**
   * Sets a queued job's memory per replica, keeping its place (arrival and admission order): a
   * job whose sibling just ran out of memory needs more than was predicted for both. False for
   * a job not queued or a size no instance holds.
   */
  setQueuedMemory(id: string, memory: number): boolean {
    const q = this.queue.get(id);
    if (!q || !(memory >= 0) || memory > this.o.limits.instanceMemory) return false;
    this.queue.set(id, { ...q, job: { ...q.job, memory } });
    return true;
  }

  /** A queued job by id. */
  queued(id: string): QueuedJob | undefined {
    return this.queue.get(id);
  }

  get size(): number {
    return this.queue.size;
  }

  /** Whether any queued job satisfies `test` (no scoring). */
  some(test: (q: QueuedJob) => boolean): boolean {
    for (const q of this.queue.values()) if (test(q)) return true;
    return false;
  }

  /** Cores requested by everything queued. */
  queuedCores(): number {
    let c = 0;
    for (const q of this.queue.values()) c += totalCores(q.job);
    return c;
  }

  /** Queued jobs, best first: score descending, then arrival order. */
  ordered(now: number): ScoredJob[] {
    const users = this.termsAt(now);
    const scored: ScoredJob[] = [];
    for (const q of this.queue.values()) scored.push(scoredJob(q, this.scoreWith(q, now, users)));
    return scored.sort(byRank);
  }

  /**
   * The part of `ordered(now)` a dispatch pass can act on, in the same order, without scoring and
   * sorting the whole queue at every event (a long queue made that quadratic). `mightFit` must be
   * a necessary condition for placing a job, and must stay false for the whole pass (room only
   * shrinks while dispatching). A job that cannot fit and may still be overtaken changes nothing
   * in a pass, so it is left out; of those that cannot fit and must not be overtaken, only the
   * best-ranked matters: it ends the pass, so it comes last and everything ranked below it is cut.
   */
  dispatchable(now: number, mightFit: (q: QueuedJob) => boolean): ScoredJob[] {
    return Array.from(this.dispatchOrder(now, mightFit));
  }

  /**
   * `dispatchable(now, mightFit)` one job at a time: the candidates are heaped, not sorted, so a
   * pass that fills the room after a few jobs pays for those few rather than for sorting them all.
   * With `belowStopper`, the jobs that might fit but rank below the starved wide job follow it, in
   * rank order: for a pass that holds room for that job and backfills the rest.
   */
  *dispatchOrder(now: number, mightFit: (q: QueuedJob) => boolean, belowStopper = false): Generator<ScoredJob, void, undefined> {
    const users = this.termsAt(now);
    const fits: QueuedJob[] = [];
    // Two passes without an object per job: in a long queue most jobs are starved or ranked
    // below the stopper, and allocating for each of them at every event dominated the run.
    let stopScore = -Infinity;
    let stopper: QueuedJob | undefined;
    for (const q of this.queue.values()) {
      if (mightFit(q)) fits.push(q);
      else if (this.mustNotBeOvertaken(q, now)) {
        const score = this.scoreWith(q, now, users);
        if (!stopper || score > stopScore || (score === stopScore && q.seq < stopper.seq)) [stopScore, stopper] = [score, q];
      }
    }
    // Heaped by index, a job object made only for those a pass gets to: a pass usually stops
    // after a few, and copying every fitting job at every event kept the collector busy.
    const scores: number[] = [];
    const above: number[] = [];
    const below: number[] = [];
    for (let i = 0; i < fits.length; i++) {
      const q = fits[i]!;
      const score = this.scoreWith(q, now, users);
      scores.push(score);
      if (!stopper || score > stopScore || (score === stopScore && q.seq < stopper.seq)) above.push(i);
      else if (belowStopper) below.push(i);
    }
    const byRankOf = (a: number, b: number) => scores[b]! - scores[a]! || fits[a]!.seq - fits[b]!.seq;
    const heap = MinHeap.of(above, byRankOf);
    for (let i = heap.pop(); i !== undefined; i = heap.pop()) yield scoredJob(fits[i]!, scores[i]!);
    if (!stopper) return;
    yield scoredJob(stopper, stopScore);
    if (!belowStopper) return;
    const rest = MinHeap.of(below, byRankOf);
    for (let i = rest.pop(); i !== undefined; i = rest.pop()) yield scoredJob(fits[i]!, scores[i]!);
  }

  /**
   * The queued jobs `keep` accepts and their scores at `now`, side by side and not sorted: a
   * dispatch pass that skips jobs which cannot fit need not rank, nor copy, a long queue.
   */
  scoredWhere(now: number, keep: (q: QueuedJob) => boolean): { jobs: QueuedJob[]; scores: number[] } {
    const users = this.termsAt(now);
    const jobs: QueuedJob[] = [];
    const scores: number[] = [];
    for (const q of this.queue.values()) {
      if (!keep(q)) continue;
      jobs.push(q);
      scores.push(this.scoreWith(q, now, users));
    }
    return { jobs, scores };
  }

  score(q: QueuedJob, now: number): number {
    return this.scoreWith(q, now, this.termsAt(now));
  }

  /**
   * The best-ranked job that cannot fit and has waited too long to be overtaken again
   * (`mustNotBeOvertaken`): no job ranked below it may start until it has.
   */
  stopper(now: number, cannotFit: (q: QueuedJob) => boolean): ScoredJob | undefined {
    const users = this.termsAt(now);
    let best: ScoredJob | undefined;
    for (const q of this.queue.values()) {
      if (!this.mustNotBeOvertaken(q, now) || !cannotFit(q)) continue;
      const score = this.scoreWith(q, now, users);
      if (!best || score > best.score || (score === best.score && q.seq < best.seq)) best = scoredJob(q, score);
    }
    return best;
  }

  /** The per-user terms (inflation, fair share) at `now`, each user's computed once. */
  private termsAt(now: number): TermsAt {
    const penalty = this.fair.penalties(now);
    const users = new Map<string, UserTerms>();
    return (user) => {
      let u = users.get(user);
      if (!u) {
        u = { inflation: this.inflationOf(user, now), fair: penalty(user) };
        users.set(user, u);
      }
      return u;
    };
  }

  private scoreWith(q: QueuedJob, now: number, users: TermsAt): number {
    const { job } = q;
    const u = users(job.user);
    const tier = this.o.tiers === 1 ? 1 : 1 - job.tier / (this.o.tiers - 1);
    const work = totalCores(job) * q.forecast[this.o.sizeQuantile] * u.inflation;
    const size = 1 - Math.min(1, Math.log1p(work) / Math.log1p(this.o.sizeScaleCoreSeconds));
    const age = Math.min(1, Math.max(0, now - job.arrival) / this.o.ageCapSeconds);
    const deadline = job.deadline === undefined ? 0 : this.urgency(this.startWithin(q, now, u.inflation));
    return this.w.tier * tier + this.w.size * size + this.w.age * age + this.w.deadline * deadline - this.w.fair * u.fair;
  }

  /** Seconds left before `q` must start to meet its deadline, at its predicted run time under the guard's inflation. */
  private startWithin(q: QueuedJob, now: number, inflation: number): number {
    return q.job.deadline! - now - q.forecast[this.o.sizeQuantile] * inflation;
  }

  /**
   * Linear from 0 at `deadlineHorizonSeconds` of slack to 1 at none. A job that can no longer
   * make its deadline keeps 1 rather than being given up on: it is still the one its user waits
   * for longest, and the weight bounds what a deadline can buy over tier and fair share.
   */
  private urgency(startWithinSeconds: number): number {
    return Math.min(1, Math.max(0, 1 - startWithinSeconds / this.o.deadlineHorizonSeconds));
  }

  /**
   * How much of `q`'s score its waiting, its predicted size and its deadline make: the score it
   * has at `now` less the one it would have just arrived, or were it of unbounded size (both under
   * the same per-user terms, worked out once), and its deadline term.
   */
  scoreParts(q: ScoredJob, now: number): ScoreParts {
    const users = this.termsAt(now);
    const parts: ScoreParts = {
      aging: q.score - this.scoreWith({ job: { ...q.job, arrival: now }, forecast: q.forecast, seq: q.seq }, now, users),
      size: q.score - this.scoreWith({ job: q.job, forecast: unboundedForecast, seq: q.seq }, now, users),
      deadline: 0,
    };
    if (q.job.deadline !== undefined) {
      // The deadline term is additive and depends on nothing else: no rescoring needed.
      parts.startWithinSeconds = this.startWithin(q, now, users(q.job.user).inflation);
      parts.deadline = this.w.deadline * this.urgency(parts.startWithinSeconds);
    }
    return parts;
  }

  /**
   * A job that has waited the full ageing cap and still does not fit must not be overtaken any
   * longer: smaller jobs behind it would keep filling every gap (backfill starvation of wide jobs).
   */
  mustNotBeOvertaken(q: QueuedJob, now: number): boolean {
    return now - q.job.arrival >= this.o.ageCapSeconds;
  }

  /** Takes a job out of the queue to run; charges its predicted work to its user at once. */
  dispatch(id: string, now: number): QueuedJob {
    const q = this.queue.get(id);
    if (!q) throw new RangeError(`job ${id} is not queued`);
    this.queue.delete(id);
    this.fair.dequeued(q.job.user);
    this.fair.charge(q.job.user, totalCores(q.job) * q.forecast.p50, totalMemory(q.job) * q.forecast.p50, now);
    return q;
  }

  /**
   * A job finished after `actualSeconds`: settle its user's usage to what it held, charging what
   * it ran beyond the p50 charged at dispatch or taking back what it did not run of it (all of it
   * for a job that never started), and if it overran its sized quantile, inflate its user's later
   * size predictions (the guard).
   */
  complete(q: QueuedJob, actualSeconds: number, now: number): void {
    const overrun = actualSeconds - q.forecast.p50;
    // Negative for a run shorter than its p50: the charge at dispatch has decayed a little since,
    // so taking back its undecayed part errs towards the user.
    this.fair.charge(q.job.user, totalCores(q.job) * overrun, totalMemory(q.job) * overrun, now);
    const predicted = q.forecast[this.o.sizeQuantile];
    if (predicted > 0 && actualSeconds > predicted) {
      const ratio = Math.min(this.o.maxInflation, actualSeconds / predicted);
      const current = this.inflationOf(q.job.user, now);
      if (ratio > current) this.inflation.set(q.job.user, { excess: ratio - 1, at: now });
    }
  }

  /** The user's fair-share and guard state, to persist it; undefined for a user never charged nor inflated. */
  userState(user: string): UserState | undefined {
    const u = this.fair.snapshot(user);
    const i = this.inflation.get(user);
    if (!u && !i) return undefined;
    const state: UserState = { usage: u?.coreSeconds?.value ?? 0, usageAt: u?.coreSeconds?.at ?? 0, inflationExcess: i?.excess ?? 0, inflationAt: i?.at ?? 0 };
    if (u?.memorySeconds) [state.memoryUsage, state.memoryUsageAt] = [u.memorySeconds.value, u.memorySeconds.at];
    return state;
  }

  /** Puts back a user's state from `userState` (after a restart): fair share and the guard carry on. */
  restoreUser(user: string, s: UserState): void {
    this.fair.restore(user, {
      coreSeconds: { value: s.usage, at: s.usageAt },
      memorySeconds: s.memoryUsage !== undefined ? { value: s.memoryUsage, at: s.memoryUsageAt ?? s.usageAt } : undefined,
    });
    if (s.inflationExcess > 0) this.inflation.set(user, { excess: s.inflationExcess, at: s.inflationAt });
  }

  /** >= 1: how much this user's predictions are currently distrusted. */
  inflationOf(user: string, now: number): number {
    const i = this.inflation.get(user);
    if (!i) return 1;
    return 1 + i.excess * Math.pow(0.5, Math.max(0, now - i.at) / this.o.underestimateHalfLifeSeconds);
  }
}
