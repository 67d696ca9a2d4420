/** What one job may use. Every limit counts from the moment user code starts. */
export interface Limits {
  /** CPU time, user plus system, in ms. Default 10 000. */
  cpuMs: number;
  /** Resident memory above what the runtime held when user code started, in MB. Default 512. */
  memoryMb: number;
  /** Elapsed time, including waits on timers, in ms. Default 30 000. */
  wallMs: number;
}

export const defaultLimits: Limits = { cpuMs: 10_000, memoryMb: 512, wallMs: 30_000 };

const ceilings: Limits = { cpuMs: 3_600_000, memoryMb: 65_536, wallMs: 3_600_000 };

/** Fills defaults and rejects limits that are not positive integers within sane ceilings. */
export function resolveLimits(partial: Partial<Limits> = {}): Limits {
  const limits = { ...defaultLimits, ...stripUndefined(partial) };
  for (const key of Object.keys(ceilings) as (keyof Limits)[]) {
    const value = limits[key];
    if (!Number.isInteger(value) || value <= 0 || value > ceilings[key]) {
      throw new RangeError(`sandbox limit ${key} must be an integer in 1..${ceilings[key]}, got ${value}`);
    }
  }
  return limits;
}

function stripUndefined(partial: Partial<Limits>): Partial<Limits> {
  return Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<Limits>;
}
