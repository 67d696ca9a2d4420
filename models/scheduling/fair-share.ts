/**
 * Per-user usage (core-seconds) that decays exponentially with a half-life, so a user's past
 * consumption lowers its priority for a while and then is forgiven. Decay is applied lazily at
 * read time from event time; no timers.
 */
export class DecayingUsage {
  /**
   * Per user: the usage as last written, and the decayed value last read with its instant. A
   * dispatch pass reads every queued user's usage at one instant several times (the means, then
   * each user's penalty); the exponential is worked out once per user and instant.
   */
  private readonly usage = new Map<string, { value: number; at: number; readAt: number; read: number }>();
  private readonly lambda: number;

  constructor(halfLifeSeconds: number) {
    if (!(halfLifeSeconds > 0)) throw new RangeError(`halfLifeSeconds must be positive, got ${halfLifeSeconds}`);
    this.lambda = Math.LN2 / halfLifeSeconds;
  }

  get(user: string, now: number): number {
    const u = this.usage.get(user);
    if (!u) return 0;
    if (u.readAt !== now) {
      u.read = u.value * Math.exp(-this.lambda * Math.max(0, now - u.at));
      u.readAt = now;
    }
    return u.read;
  }

  /** Adds `amount` at `now`; a negative one takes back what was added, never below nothing. */
  add(user: string, amount: number, now: number): void {
    this.restore(user, Math.max(0, this.get(user, now) + amount), now);
  }

  /** The user's usage as last written (not decayed to now), to persist it. */
  snapshot(user: string): { value: number; at: number } | undefined {
    const u = this.usage.get(user);
    return u && { value: u.value, at: u.at };
  }

  /** Puts back what `snapshot` returned: decay resumes from `at`. */
  restore(user: string, value: number, at: number): void {
    this.usage.set(user, { value, at, readAt: NaN, read: 0 });
  }
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
  private readonly cores: DecayingUsage;
  private readonly memory: DecayingUsage;
  /** Queued jobs per user: the users who compete for the next dispatch. */
  private readonly queued = new Map<string, number>();
  /**
   * The same users, sorted: the means are summed in this order, so a model rebuilt from its
   * stores (users queued again in another order) gets the very same floating-point sums.
   */
  private readonly active: string[] = [];
  /** Bumped by every change, so penalties at one instant are worked out once between changes. */
  private version = 0;
  private cached?: { now: number; version: number; penalty: (user: string) => number };

  constructor(halfLifeSeconds: number) {
    this.cores = new DecayingUsage(halfLifeSeconds);
    this.memory = new DecayingUsage(halfLifeSeconds);
  }

  enqueued(user: string): void {
    const n = this.queued.get(user) ?? 0;
    this.queued.set(user, n + 1);
    if (n === 0) {
      this.active.splice(sortedIndex(this.active, user), 0, user);
      this.version++;
    }
  }

  dequeued(user: string): void {
    const n = (this.queued.get(user) ?? 0) - 1;
    if (n > 0) {
      this.queued.set(user, n);
      return;
    }
    if (this.queued.delete(user)) this.active.splice(sortedIndex(this.active, user), 1);
    this.version++;
  }

  /**
   * Adds usage to a user's record; a negative amount takes back part of an earlier charge (a run
   * that held less than it was charged for), never below nothing, and only from a user with
   * usage on record.
   */
  charge(user: string, coreSeconds: number, memorySeconds: number, now: number): void {
    adjust(this.cores, user, coreSeconds, now);
    adjust(this.memory, user, memorySeconds, now);
    this.version++;
  }

  /**
   * The penalty of each user at `now`, in [0, 1). The means over the active users are taken once,
   * so a pass over the queue costs one sweep of its users; a user scored without queued work (a
   * what-if score) is counted among them.
   */
  penalties(now: number): (user: string) => number {
    const c = this.cached;
    if (c && c.now === now && c.version === this.version) return c.penalty;
    const penalty = this.penaltiesNow(now);
    this.cached = { now, version: this.version, penalty };
    return penalty;
  }

  private penaltiesNow(now: number): (user: string) => number {
    let coreSum = 0;
    let memorySum = 0;
    for (const user of this.active) {
      coreSum += this.cores.get(user, now);
      memorySum += this.memory.get(user, now);
    }
    const active = this.active.length;
    return (user) => {
      const c = this.cores.get(user, now);
      const m = this.memory.get(user, now);
      const counted = this.queued.has(user);
      const n = counted ? active : active + 1;
      const dominant = Math.max(ratio(c, (coreSum + (counted ? 0 : c)) / n), ratio(m, (memorySum + (counted ? 0 : m)) / n));
      return dominant / (1 + dominant);
    };
  }

  snapshot(user: string): UsageSnapshot | undefined {
    const coreSeconds = this.cores.snapshot(user);
    const memorySeconds = this.memory.snapshot(user);
    return coreSeconds || memorySeconds ? { coreSeconds, memorySeconds } : undefined;
  }

  restore(user: string, s: UsageSnapshot): void {
    if (s.coreSeconds && s.coreSeconds.value > 0) this.cores.restore(user, s.coreSeconds.value, s.coreSeconds.at);
    if (s.memorySeconds && s.memorySeconds.value > 0) this.memory.restore(user, s.memorySeconds.value, s.memorySeconds.at);
    this.version++;
  }
}

/** Where `user` is, or belongs, in the sorted `users`. */
function sortedIndex(users: string[], user: string): number {
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (users[mid]! < user) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** x over the mean, 0 when nobody used the resource (0 / 0: everyone is equal). */
function ratio(x: number, mean: number): number {
  return mean > 0 ? x / mean : 0;
}

function adjust(usage: DecayingUsage, user: string, amount: number, now: number): void {
  if (amount > 0 || (amount < 0 && usage.get(user, now) > 0)) usage.add(user, amount, now);
}
