/** One VM instance of the simulated fleet. */
export interface Instance {
  id: number;
  launchedAt: number;
  readyAt: number;
  /** Cores and memory not reserved by running jobs (job simulation only). */
  freeCores: number;
  freeMemory: number;
  /** Jobs running on it; an instance is terminated only when this is 0. */
  running: number;
}

export interface FleetOptions {
  instanceCores: number;
  /** Memory per instance, in the trace's memory unit. */
  instanceMemory: number;
  bootDelaySeconds: number;
  /** Uniform extra boot time in [0, jitter) drawn from `random`; default 0. */
  bootJitterSeconds?: number;
  random: () => number;
}

/**
 * Instances launched, booting and ready, with their cost. Paid from launch (booting included) to
 * termination. Scale-in removes booting instances first (newest first), then idle ready ones; busy
 * instances are never killed, so a scale-in may remove fewer than asked.
 */
export class Fleet {
  readonly instances: Instance[] = [];
  private nextId = 1;
  private paidSeconds = 0;
  private lastAccounted: number;
  /** Bumped by every launch and termination: the ready set below is valid for one version. */
  private version = 0;
  /**
   * The ready instances (in fleet order) for any time in [from, until): until is the first
   * readiness after from. The simulators ask at every event, and a fleet of thousands made
   * rescanning it the larger part of a run.
   */
  private readySet?: { version: number; from: number; until: number; instances: Instance[] };

  constructor(private readonly o: FleetOptions, startSeconds: number) {
    if (!(o.instanceCores > 0)) throw new RangeError(`instanceCores must be positive, got ${o.instanceCores}`);
    if (!(o.bootDelaySeconds >= 0)) throw new RangeError(`bootDelaySeconds must be >= 0, got ${o.bootDelaySeconds}`);
    if (!((o.bootJitterSeconds ?? 0) >= 0)) throw new RangeError('bootJitterSeconds must be >= 0');
    this.lastAccounted = startSeconds;
  }

  /** Accrues cost up to `now`; call before any change to the fleet and at the end. */
  accrue(now: number): void {
    this.paidSeconds += this.instances.length * (now - this.lastAccounted);
    this.lastAccounted = now;
  }

  launch(now: number, count: number, ready = false): void {
    this.accrue(now);
    this.version++;
    for (let k = 0; k < count; k++) {
      const jitter = (this.o.bootJitterSeconds ?? 0) * this.o.random();
      this.instances.push({
        id: this.nextId++, launchedAt: now, readyAt: ready ? now : now + this.o.bootDelaySeconds + jitter,
        freeCores: this.o.instanceCores, freeMemory: this.o.instanceMemory, running: 0,
      });
    }
  }

  /** Terminates up to `count` instances, booting ones first; returns how many went. */
  terminate(now: number, count: number): number {
    this.accrue(now);
    let removed = 0;
    const victims = new Set<Instance>();
    const byPreference = [...this.instances].sort((a, b) => b.readyAt - a.readyAt || b.id - a.id);
    for (const inst of byPreference) {
      if (removed >= count) break;
      if (inst.running > 0) continue;
      victims.add(inst);
      removed++;
    }
    if (removed > 0) {
      this.version++;
      const kept = this.instances.filter((i) => !victims.has(i));
      this.instances.length = 0;
      this.instances.push(...kept);
    }
    return removed;
  }

  readyCount(now: number): number {
    return this.readyAt(now).instances.length;
  }

  /** Instances ready at `now`, in fleet order; shared, valid until the fleet changes. */
  readyInstances(now: number): readonly Instance[] {
    return this.readyAt(now).instances;
  }

  /** Earliest time after `now` at which a booting instance becomes ready, or Infinity. */
  nextReadyAt(now: number): number {
    return this.readyAt(now).until;
  }

  private readyAt(now: number): { instances: Instance[]; until: number } {
    const c = this.readySet;
    if (c && c.version === this.version && c.from <= now && now < c.until) return c;
    const instances: Instance[] = [];
    let until = Infinity;
    for (const i of this.instances) {
      if (i.readyAt <= now) instances.push(i);
      else if (i.readyAt < until) until = i.readyAt;
    }
    this.readySet = { version: this.version, from: now, until, instances };
    return this.readySet;
  }

  get size(): number {
    return this.instances.length;
  }

  get instanceHours(): number {
    return this.paidSeconds / 3600;
  }
}
