import { FairShare } from './fair-share';
import { KeyedMinHeap, MinHeap } from './min-heap';
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

/** Queued job ids, highest key first. */
interface RankedIds {
  ids: string[];
  keys: number[];
}

/**
 * A user's queued jobs in two lists, by what their scores cannot exceed (see Scheduler.ceilingOf).
 * Those that have not yet waited the ageing cap gain the same score for every second they wait,
 * so their order by ceiling less the ageing they had at arrival (`fresh`) holds at any instant;
 * those that have (`capped`) gain no more, so their order by ceiling does.
 */
interface UserQueue {
  fresh: RankedIds;
  capped: RankedIds;
}

/** Puts `id` into `list` after every key not lower than `key`. */
function insertRanked(list: RankedIds, id: string, key: number): void {
  let [lo, hi] = [0, list.keys.length];
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list.keys[mid]! >= key) lo = mid + 1;
    else hi = mid;
  }
  list.ids.splice(lo, 0, id);
  list.keys.splice(lo, 0, key);
}

function removeRanked(list: RankedIds, id: string): void {
  const at = list.ids.indexOf(id);
  list.ids.splice(at, 1);
  list.keys.splice(at, 1);
}

/**
 * Slack for floating-point rounding between a ceiling and a score summed in another order: a
 * fresh job's key takes its ageing at arrival (about 2e6 for an epoch in seconds), whose rounding
 * is about 1e-9 of a score.
 */
const CEILING_SLACK = 1e-6;

/**
 * One dispatch pass's view of the queue at one instant (Scheduler.rankingAt): every job's score
 * and its user's terms are those of the pass's start, as when a pass scored every job up front.
 */
export interface QueueRanking {
  /** The best-ranked queued job `keep` accepts (score descending, then arrival order), if any. */
  best(keep: (q: QueuedJob) => boolean): ScoredJob | undefined;
  /** Every queued job `keep` accepts, best first. */
  all(keep: (q: QueuedJob) => boolean): ScoredJob[];
  /**
   * The best-ranked job that cannot fit and has waited too long to be overtaken again
   * (`mustNotBeOvertaken`): no job ranked below it may start until it has.
   */
  stopper(cannotFit: (q: QueuedJob) => boolean): ScoredJob | undefined;
}

/** Best first: score descending, then arrival order (FIFO ties); a total order, so deterministic. */
export function byRank(a: ScoredJob, b: ScoredJob): number {
  return b.score - a.score || a.seq - b.seq;
}

/**
 * Half-lives (of the longer of fair share's and the underestimate guard's) after its last write
 * that an idle user is forgotten (Scheduler.forgetIdle), so per-user state does not grow with
 * every user the service has ever seen. Its usage then weighs 2^-40 < 1e-12 of a charge of the
 * same size made now, and its inflation's excess 2^-40 of what it was (under 1e-11 at the cap
 * of 8), so forgetting it moves no size or deadline term measurably. It is not among the users
 * the fair-share means are taken over (nothing queued), and if it queues again it counts as
 * never charged: a ratio moves measurably only when every user then waiting has itself had
 * nothing charged for tens of half-lives (a task that started nothing for more than a day at
 * the default hour), where the ranking compared usages all but decayed away anyway.
 */
export const FORGET_AFTER_HALF_LIVES = 40;

interface IdleUser {
  user: string;
  /** When its state was last written (event seconds). */
  at: number;
}

/** Earliest written first; equal times by name, so a rebuilt heap forgets in the same order. */
function idleOrder(a: IdleUser, b: IdleUser): number {
  return a.at - b.at || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0);
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
  /** The queue again, by user: a pass takes jobs in order of what their scores cannot exceed, and scores few. */
  private readonly byUser = new Map<string, UserQueue>();
  /** The jobs in the users' `fresh` lists, oldest first: each moves to `capped` once it has waited the ageing cap. */
  private readonly fresh = new KeyedMinHeap<string, { id: string; user: string; arrival: number; ceiling: number }>((a, b) => a.arrival - b.arrival, (a) => a.id);
  /** The latest arrival ever queued: no queued job has waited less than from it. */
  private latestArrival = -Infinity;
  /** The latest `now` a pass filed the jobs capped by (`rankingAt`): `fresh` holds the rest. */
  private filedThrough = -Infinity;
  /**
   * Queued jobs not yet filed in `byUser` and the heaps: filed when a pass or `smallest` needs
   * them, so a job dispatched as it arrives (a pool with room) costs no filing at all.
   */
  private readonly unfiled = new Set<string>();
  /** Queued jobs by cores and by memory per replica, least first: see `smallest`. */
  private readonly byCores = new KeyedMinHeap<string, { id: string; cores: number }>((a, b) => a.cores - b.cores, (a) => a.id);
  private readonly byMemory = new KeyedMinHeap<string, { id: string; memory: number }>((a, b) => a.memory - b.memory, (a) => a.id);
  private readonly fair: FairShare;
  private readonly inflation = new Map<string, { excess: number; at: number }>();
  /** Runs outstanding per user, as the caller reports them (`runStarted`, `runEnded`). */
  private readonly runs = new Map<string, number>();
  /**
   * The users with state kept (usage or inflation) and nothing queued or running, by when their
   * state was last written, earliest first (ties by name): `forgetIdle` pops those past the horizon.
   */
  private readonly idle = new KeyedMinHeap<string, IdleUser>(idleOrder, (u) => u.user);
  /** Event seconds after its last write an idle user is forgotten (see FORGET_AFTER_HALF_LIVES). */
  private readonly forgetAfter: number;
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
    this.forgetAfter = FORGET_AFTER_HALF_LIVES * Math.max(this.o.fairShareHalfLifeSeconds, this.o.underestimateHalfLifeSeconds);
  }

  /** Admission control: a job is queued or rejected with a reason, never silently dropped. */
  admit(job: JobRequest, forecast: DurationForecast): Admission {
    const { instanceCores, instanceMemory, maxInstances } = this.o.limits;
    if (
      !(job.cores > 0) || !(job.memory >= 0) || !Number.isInteger(job.replicas) || job.replicas < 1 || !Number.isInteger(job.tier) || job.tier < 0 || job.tier >= this.o.tiers
      || (job.deadline !== undefined && !Number.isFinite(job.deadline))
      // A NaN forecast would rank first in its tier (every comparison with it is false).
      || !(forecast.p50 >= 0) || !(forecast.p90 >= forecast.p50) || !Number.isFinite(forecast.p90)
    ) {
      return {
        admitted: false, reason: 'invalid_request',
        explanation: `job ${job.id}: cores must be > 0, memory >= 0, replicas a positive integer, tier in 0..${this.o.tiers - 1}, a deadline finite, the duration forecast finite with 0 <= p50 <= p90`,
      };
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
    const q: QueuedJob = { job, forecast, seq: this.seq++ };
    this.queue.set(job.id, q);
    this.fair.enqueued(job.user);
    this.idle.delete(job.user);
    this.unfiled.add(job.id);
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
    if (!this.unfiled.has(id)) {
      this.byMemory.delete(id);
      this.byMemory.push({ id, memory });
    }
    return true;
  }

  /**
   * The fewest cores and the least memory per replica any queued job asks for (not necessarily
   * the same job's): when the largest room left holds neither, no job fits and a pass can stop
   * without looking at any.
   */
  smallest(): { cores: number; memory: number } | undefined {
    this.fileArrivals();
    const [cores, memory] = [this.byCores.peek(), this.byMemory.peek()];
    return cores && memory && { cores: cores.cores, memory: memory.memory };
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
   *
   * One job at a time: the candidates are heaped, not sorted, so a pass that fills the room after
   * a few jobs pays for those few rather than for sorting them all. With `belowStopper`, the jobs
   * that might fit but rank below the starved wide job follow it, in rank order: for a pass that
   * holds room for that job and backfills the rest.
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

  score(q: QueuedJob, now: number): number {
    return this.scoreWith(q, now, this.termsAt(now));
  }

  /**
   * The ranking a dispatch pass at `now` picks from, one job at a time, without scoring the whole
   * queue at every pick (a full pool's every freed slot made a pass over a long queue). Users are
   * taken in order of the highest ceiling among their jobs, less their fair-share term, and each
   * user's jobs in order of ceiling, until no ceiling left can reach the best score found: the
   * same job that scoring every one would pick. The per-user terms are taken for every queued
   * user at the start, so dispatches during the pass (which charge their users) do not change it.
   */
  rankingAt(now: number): QueueRanking {
    this.fileArrivals();
    const cap = this.o.ageCapSeconds;
    if (now > this.filedThrough) this.filedThrough = now;
    for (let f = this.fresh.peek(); f && now - f.arrival >= cap; f = this.fresh.peek()) {
      this.fresh.pop();
      const queue = this.byUser.get(f.user)!;
      removeRanked(queue.fresh, f.id);
      insertRanked(queue.capped, f.id, f.ceiling);
    }
    const users = this.termsAt(now);
    // Only the fair-share term bounds a user's ceilings: the guard's inflation is taken for the
    // users whose jobs get scored, not for every user queued.
    const penalty = this.fair.penalties(now);
    const fairOf = new Map<string, number>();
    for (const user of this.byUser.keys()) fairOf.set(user, this.w.fair * penalty(user));
    // A fresh job's ageing is at most its wait from its arrival to the later of now and the
    // latest arrival (a record can be older than the jobs it finds queued, which then have none).
    const freshAgeing = (this.w.age * Math.max(now, this.latestArrival)) / cap;
    const scores = new Map<string, number>();
    const scoreOf = (q: QueuedJob) => {
      let score = scores.get(q.job.id);
      if (score === undefined) scores.set(q.job.id, (score = this.scoreWith(q, now, users)));
      return score;
    };
    const bestOf = (keep: (q: QueuedJob) => boolean, cappedOnly: boolean): ScoredJob | undefined => {
      const cursors: { list: RankedIds; at: number; ceiling: number; offset: number }[] = [];
      for (const [user, queue] of this.byUser) {
        const fair = fairOf.get(user)!;
        if (!cappedOnly && queue.fresh.ids.length > 0) cursors.push({ list: queue.fresh, at: 0, ceiling: queue.fresh.keys[0]! + freshAgeing - fair, offset: freshAgeing - fair });
        if (queue.capped.ids.length > 0) cursors.push({ list: queue.capped, at: 0, ceiling: queue.capped.keys[0]! + this.w.age - fair, offset: this.w.age - fair });
      }
      const highest = MinHeap.of(cursors, (a, b) => b.ceiling - a.ceiling);
      let found: QueuedJob | undefined;
      let foundScore = -Infinity;
      for (let c = highest.peek(); c; c = highest.peek()) {
        if (found && c.ceiling + CEILING_SLACK < foundScore) break;
        const q = this.queue.get(c.list.ids[c.at]!)!;
        if (keep(q)) {
          const score = scoreOf(q);
          if (!found || score > foundScore || (score === foundScore && q.seq < found.seq)) [found, foundScore] = [q, score];
        }
        highest.pop();
        if (++c.at < c.list.ids.length) {
          c.ceiling = c.list.keys[c.at]! + c.offset;
          highest.push(c);
        }
      }
      return found && scoredJob(found, foundScore);
    };
    const all = (keep: (q: QueuedJob) => boolean): ScoredJob[] => {
      const ranked: ScoredJob[] = [];
      for (const q of this.queue.values()) if (keep(q)) ranked.push(scoredJob(q, scoreOf(q)));
      return ranked.sort(byRank);
    };
    return {
      best: (keep) => bestOf(keep, false),
      // Every job that must not be overtaken at `now` is in a capped list: the lists were brought up to it.
      stopper: (cannotFit) => bestOf((q) => this.mustNotBeOvertaken(q, now) && cannotFit(q), true),
      all,
    };
  }

  /**
   * What no score of `q` can exceed, whatever its wait, its user's terms and its deadline's
   * nearness: its tier, its size as predicted (the guard's inflation only makes a job larger) and
   * a deadline's full weight. Adding the longest wait's term and taking its user's fair-share term
   * gives a ceiling on its score at one instant.
   */
  private ceilingOf(q: QueuedJob): number {
    return this.w.tier * this.tierTerm(q.job) + this.w.size * this.sizeTerm(q, 1) + (q.job.deadline === undefined ? 0 : this.w.deadline);
  }

  private fileArrivals(): void {
    for (const id of this.unfiled) this.index(this.queue.get(id)!);
    this.unfiled.clear();
  }

  /** Files a queued job under its user, as fresh: the first pass that finds it capped moves it. */
  private index(q: QueuedJob): void {
    const { id, user, arrival } = q.job;
    let queue = this.byUser.get(user);
    if (!queue) this.byUser.set(user, (queue = { fresh: { ids: [], keys: [] }, capped: { ids: [], keys: [] } }));
    const ceiling = this.ceilingOf(q);
    insertRanked(queue.fresh, id, ceiling - (this.w.age * arrival) / this.o.ageCapSeconds);
    this.fresh.push({ id, user, arrival, ceiling });
    if (arrival > this.latestArrival) this.latestArrival = arrival;
    this.byCores.push({ id, cores: q.job.cores });
    this.byMemory.push({ id, memory: q.job.memory });
  }

  private unindex(q: QueuedJob): void {
    const { id, user } = q.job;
    const queue = this.byUser.get(user)!;
    if (this.fresh.delete(id)) removeRanked(queue.fresh, id);
    else removeRanked(queue.capped, id);
    if (queue.fresh.ids.length === 0 && queue.capped.ids.length === 0) this.byUser.delete(user);
    this.byCores.delete(id);
    this.byMemory.delete(id);
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
    const tier = this.tierTerm(job);
    const size = this.sizeTerm(q, u.inflation);
    const age = Math.min(1, Math.max(0, now - job.arrival) / this.o.ageCapSeconds);
    const deadline = job.deadline === undefined ? 0 : this.urgency(this.startWithin(q, now, u.inflation));
    return this.w.tier * tier + this.w.size * size + this.w.age * age + this.w.deadline * deadline - this.w.fair * u.fair;
  }

  /** 1 for tier 0 down to 0 for the lowest tier. */
  private tierTerm(job: JobRequest): number {
    return this.o.tiers === 1 ? 1 : 1 - job.tier / (this.o.tiers - 1);
  }

  /** 1 for a tiny job down to 0 at `sizeScaleCoreSeconds` of predicted work, under the guard's inflation. */
  private sizeTerm(q: QueuedJob, inflation: number): number {
    const work = totalCores(q.job) * q.forecast[this.o.sizeQuantile] * inflation;
    return 1 - Math.min(1, Math.log1p(work) / Math.log1p(this.o.sizeScaleCoreSeconds));
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
    return this.capped(q.job.arrival, now);
  }

  /** Whether a job that arrived at `arrival` has waited the ageing cap at `now` (`mustNotBeOvertaken`). */
  capped(arrival: number, now: number): boolean {
    return now - arrival >= this.o.ageCapSeconds;
  }

  /**
   * The earliest arrival among the queued jobs that had not waited the ageing cap at `at`
   * (Infinity if none): the next job to reach it, when no job arrives before it does. One look
   * right after `rankingAt(at)` at the latest time a pass saw (it filed the others as capped);
   * otherwise a look at every queued job.
   */
  oldestUncapped(at: number): number {
    if (this.unfiled.size === 0 && at === this.filedThrough) return this.fresh.peek()?.arrival ?? Infinity;
    let oldest = Infinity;
    for (const q of this.queue.values()) if (q.job.arrival < oldest && !this.capped(q.job.arrival, at)) oldest = q.job.arrival;
    return oldest;
  }

  /** Takes a job out of the queue to run; charges its predicted work to its user at once. */
  dispatch(id: string, now: number): QueuedJob {
    const q = this.withdraw(id);
    this.fair.charge(q.job.user, totalCores(q.job) * q.forecast.p50, totalMemory(q.job) * q.forecast.p50, now);
    this.track(q.job.user);
    return q;
  }

  /** Takes a job out of the queue without running it (it is no longer wanted); charges nothing. */
  withdraw(id: string): QueuedJob {
    const q = this.queue.get(id);
    if (!q) throw new RangeError(`job ${id} is not queued`);
    this.queue.delete(id);
    if (!this.unfiled.delete(id)) this.unindex(q);
    this.fair.dequeued(q.job.user);
    this.track(q.job.user);
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
    this.track(q.job.user);
  }

  /**
   * A run of the user's started (`dispatch` does not count one): its user is kept while it runs,
   * as its end settles the user's usage against the charge (see `complete`) and needs its record.
   */
  runStarted(user: string): void {
    this.runs.set(user, (this.runs.get(user) ?? 0) + 1);
    this.idle.delete(user);
  }

  /** A run `runStarted` counted ended (settled or not). */
  runEnded(user: string): void {
    const n = this.runs.get(user) ?? 0;
    if (n <= 1) this.runs.delete(user);
    else this.runs.set(user, n - 1);
    this.track(user);
  }

  /**
   * Forgets the users with nothing queued, no run outstanding (as reported to `runStarted`) and
   * their state (usage and inflation) last written more than FORGET_AFTER_HALF_LIVES of the longer
   * half-life before `now`, at most `limit` of them, earliest written first; returns them. A pure
   * function of the model's state and `now`, so a model rebuilt from what `userState` kept
   * forgets the same users at the same `now`. Each user costs O(log n) once, when it goes.
   */
  forgetIdle(now: number, limit = Infinity): string[] {
    const forgotten: string[] = [];
    for (let u = this.idle.peek(); u && forgotten.length < limit && now - u.at > this.forgetAfter; u = this.idle.peek()) {
      this.idle.pop();
      this.fair.forget(u.user);
      this.inflation.delete(u.user);
      forgotten.push(u.user);
    }
    return forgotten;
  }

  /**
   * Files a user whose state or activity changed among the idle ones, by its last write, or
   * takes it out while it has work queued or running; a user with nothing kept is dropped at once.
   */
  private track(user: string): void {
    if (this.fair.queued(user) > 0 || this.runs.has(user)) {
      this.idle.delete(user);
      return;
    }
    const at = Math.max(this.fair.writtenAt(user) ?? -Infinity, this.inflation.get(user)?.at ?? -Infinity);
    if (at === -Infinity) {
      // Nothing to remember (a job of no predicted work): nothing `userState` would keep either.
      this.idle.delete(user);
      this.fair.forget(user);
    } else if (this.idle.get(user)?.at !== at) {
      this.idle.push({ user, at });
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
    this.track(user);
  }

  /** >= 1: how much this user's predictions are currently distrusted. */
  inflationOf(user: string, now: number): number {
    const i = this.inflation.get(user);
    if (!i) return 1;
    return 1 + i.excess * Math.pow(0.5, Math.max(0, now - i.at) / this.o.underestimateHalfLifeSeconds);
  }
}
