/** Wall-clock time, injected so the runtime's timing (latency, backoff) is testable. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that moves only when told, for the test driver. */
export class ManualClock implements Clock {
  constructor(private current = 0) {}

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`a clock cannot go back (advance by ${ms})`);
    this.current += ms;
  }

  set(ms: number): void {
    if (ms < this.current) throw new RangeError(`a clock cannot go back (${this.current} -> ${ms})`);
    this.current = ms;
  }
}
