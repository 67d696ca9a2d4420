/**
 * A usage (core-seconds, memory-seconds) that decays exponentially from the instant it was last
 * written, so a user's past consumption lowers its priority for a while and then is forgiven.
 * Decay is applied lazily from event time; no timers.
 */
interface DecayingUsage {
  value: number;
  at: number;
  /** The usage's weight (see `FairShare.weight`) at the reference instant `ref`. */
  ref: number;
  weight: number;
}

/** What fair share keeps of a user: its usage of each resource, if ever charged, and its queued jobs. */
interface UserUsage {
  user: string;
  cores?: DecayingUsage;
  memory?: DecayingUsage;
  queued: number;
}

/** A user's decayed usage of both resources, as last written, to persist it. */
export interface UsageSnapshot {
  coreSeconds?: { value: number; at: number };
  memorySeconds?: { value: number; at: number };
}

/**
 * Fair share relative to the other active users, in the manner of dominant-resource fairness: a
 * user's decayed usage of each resource (core-seconds, memory-seconds; a running job is charged
 * its predicted work when it starts) is compared with the mean of the users that have work
 * queued, and the resource where the user stands highest decides. The penalty is d / (1 + d) for
 * that dominant ratio d: 0 for a user given nothing lately, 1/2 for one at the mean, towards 1
 * for one holding nearly everything.
 *
 * Being a ratio, it does not depend on how large jobs are: a flood of tiny jobs ranks behind a
 * newcomer as surely as a flood of large ones (an absolute scale in core-seconds left short jobs
 * unpenalised). It only ranks jobs and never holds capacity back, so a lone user, at the mean of
 * itself, still gets the whole cluster. Old usage counts for less than recent usage, as both decay.
 */
export class FairShare {
  private readonly lambda: number;
  /** Event seconds between the instants usages are compared at (see `referenceOf`). */
  private readonly referenceStep: number;
  private readonly users = new Map<string, UserUsage>();
  /**
   * The users with queued jobs, who compete for the next dispatch, sorted by name: the means are
   * summed in this order, so a model rebuilt from its stores (users queued again in another
   * order) gets the very same floating-point sums.
   */
  private readonly active: UserUsage[] = [];
  /** Bumped by every change, so penalties are worked out once between changes. */
  private version = 0;
  private cached?: { ref: number; version: number; penalty: (user: string) => number };

  constructor(halfLifeSeconds: number) {
    if (!(halfLifeSeconds > 0)) throw new RangeError(`halfLifeSeconds must be positive, got ${halfLifeSeconds}`);
    this.lambda = Math.LN2 / halfLifeSeconds;
    this.referenceStep = REFERENCE_STEP_HALF_LIVES * halfLifeSeconds;
  }

  enqueued(user: string): void {
    const u = this.userOf(user);
    if (u.queued++ === 0) {
      this.active.splice(sortedIndex(this.active, user), 0, u);
      this.version++;
    }
  }

  dequeued(user: string): void {
    const u = this.users.get(user);
    if (u && u.queued > 0 && --u.queued > 0) return;
    if (u?.queued === 0) {
      const at = sortedIndex(this.active, user);
      if (this.active[at] === u) this.active.splice(at, 1);
      // Nothing queued and never charged (a job withdrawn before it ran): nothing to remember.
      if (!u.cores && !u.memory) this.users.delete(user);
    }
    this.version++;
  }

  /**
   * Adds usage to a user's record; a negative amount takes back part of an earlier charge (a run
   * that held less than it was charged for), never below nothing, and only from a user with
   * usage on record.
   */
  charge(user: string, coreSeconds: number, memorySeconds: number, now: number): void {
    const u = this.userOf(user);
    u.cores = this.adjusted(u.cores, coreSeconds, now);
    u.memory = this.adjusted(u.memory, memorySeconds, now);
    this.version++;
  }

  /**
   * The penalty of each user at `now`, in [0, 1); a user scored without queued work (a what-if
   * score) is counted among the active ones. As every usage decays alike, a ratio of two of them
   * stays as it is while time passes: penalties change only with a charge or with who is queued,
   * and the means over the active users are taken once between changes, not at every instant.
   * Usages are compared at an instant `now` fixes (`referenceOf`), so a model rebuilt from its
   * stores gives bit-identical penalties.
   */
  penalties(now: number): (user: string) => number {
    const ref = this.referenceOf(now);
    const c = this.cached;
    if (c && c.ref === ref && c.version === this.version) return c.penalty;
    const penalty = this.penaltiesAt(ref);
    this.cached = { ref, version: this.version, penalty };
    return penalty;
  }

  snapshot(user: string): UsageSnapshot | undefined {
    const u = this.users.get(user);
    if (!u?.cores && !u?.memory) return undefined;
    return { coreSeconds: u.cores && { value: u.cores.value, at: u.cores.at }, memorySeconds: u.memory && { value: u.memory.value, at: u.memory.at } };
  }

  /**
   * Puts back what `snapshot` returned: decay resumes from each usage's `at`. A usage refunded
   * to nothing is put back too: when it was written counts (see `writtenAt`), so a model rebuilt
   * from its stores forgets the user when the live one does.
   */
  restore(user: string, s: UsageSnapshot): void {
    const u = this.userOf(user);
    if (s.coreSeconds && s.coreSeconds.value >= 0) u.cores = written(s.coreSeconds.value, s.coreSeconds.at);
    if (s.memorySeconds && s.memorySeconds.value >= 0) u.memory = written(s.memorySeconds.value, s.memorySeconds.at);
    this.version++;
  }

  /** How many jobs the user has queued. */
  queued(user: string): number {
    return this.users.get(user)?.queued ?? 0;
  }

  /** The latest instant the user's usage was written at, or undefined for a user with none on record. */
  writtenAt(user: string): number | undefined {
    const u = this.users.get(user);
    if (!u?.cores && !u?.memory) return undefined;
    return Math.max(u.cores?.at ?? -Infinity, u.memory?.at ?? -Infinity);
  }

  /**
   * Drops all that is kept of a user with nothing queued (see Scheduler.forgetIdle): it then
   * ranks as a user never charged. False, and nothing dropped, for a user with jobs queued.
   */
  forget(user: string): boolean {
    const u = this.users.get(user);
    if (!u) return true;
    if (u.queued > 0) return false;
    this.users.delete(user);
    // Not among the active users, so no mean moves; but a what-if score reads the users afresh.
    this.version++;
    return true;
  }

  private penaltiesAt(ref: number): (user: string) => number {
    let coreSum = 0;
    let memorySum = 0;
    for (const u of this.active) {
      coreSum += this.weight(u.cores, ref);
      memorySum += this.weight(u.memory, ref);
    }
    const active = this.active.length;
    return (user) => {
      const u = this.users.get(user);
      const c = this.weight(u?.cores, ref);
      const m = this.weight(u?.memory, ref);
      const counted = u !== undefined && u.queued > 0;
      const n = counted ? active : active + 1;
      const dominant = Math.max(ratio(c, (coreSum + (counted ? 0 : c)) / n), ratio(m, (memorySum + (counted ? 0 : m)) / n));
      return dominant / (1 + dominant);
    };
  }

  /**
   * The instant usages are compared at: `now` rounded down to a whole number of reference steps.
   * Weights grow back by at most 2^REFERENCE_STEP_HALF_LIVES from it, far inside a double's range,
   * and are worked out again only when time crosses a step.
   */
  private referenceOf(now: number): number {
    return Math.floor(now / this.referenceStep) * this.referenceStep;
  }

  /**
   * The usage decayed to the instant `ref`, grown back for one written after it: the same
   * multiple, for every user, of its usage at any instant after all of their writes. So weights
   * compare users as their usages would, without an exponential per user at every instant
   * compared; a weight is worked out again only after a write or for a new `ref`.
   */
  private weight(d: DecayingUsage | undefined, ref: number): number {
    if (!d) return 0;
    if (d.ref !== ref) {
      d.weight = d.value * Math.exp(-this.lambda * (ref - d.at));
      d.ref = ref;
    }
    return d.weight;
  }

  private adjusted(d: DecayingUsage | undefined, amount: number, now: number): DecayingUsage | undefined {
    const current = d ? d.value * Math.exp(-this.lambda * Math.max(0, now - d.at)) : 0;
    if (amount > 0 || (amount < 0 && current > 0)) return written(Math.max(0, current + amount), now);
    return d;
  }

  private userOf(user: string): UserUsage {
    let u = this.users.get(user);
    if (!u) this.users.set(user, (u = { user, queued: 0 }));
    return u;
  }
}

/** Half-lives between the instants usages are compared at (see FairShare.referenceOf). */
const REFERENCE_STEP_HALF_LIVES = 64;

function written(value: number, at: number): DecayingUsage {
  return { value, at, ref: NaN, weight: 0 };
}

/** Where `user` is, or belongs, in `users` sorted by name. */
function sortedIndex(users: UserUsage[], user: string): number {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (users[mid]!.user < user) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** x over the mean, 0 when nobody used the resource (0 / 0: everyone is equal). */
function ratio(x: number, mean: number): number {
  return mean > 0 ? x / mean : 0;
}
