/**
 * Per-user usage (core-seconds) that decays exponentially with a half-life, so a user's past
 * consumption lowers its priority for a while and then is forgiven. Decay is applied lazily at
 * read time from event time; no timers.
 */
export class DecayingUsage {
  private readonly usage = new Map<string, { value: number; at: number }>();
  private readonly lambda: number;

  constructor(halfLifeSeconds: number) {
    if (!(halfLifeSeconds > 0)) throw new RangeError(`halfLifeSeconds must be positive, got ${halfLifeSeconds}`);
    this.lambda = Math.LN2 / halfLifeSeconds;
  }

  get(user: string, now: number): number {
    const u = this.usage.get(user);
    return u ? u.value * Math.exp(-this.lambda * Math.max(0, now - u.at)) : 0;
  }

  add(user: string, amount: number, now: number): void {
    this.usage.set(user, { value: this.get(user, now) + amount, at: now });
  }

  /** The user's usage as last written (not decayed to now), to persist it. */
  snapshot(user: string): { value: number; at: number } | undefined {
    const u = this.usage.get(user);
    return u && { ...u };
  }

  /** Puts back what `snapshot` returned: decay resumes from `at`. */
  restore(user: string, value: number, at: number): void {
    this.usage.set(user, { value, at });
  }
}
