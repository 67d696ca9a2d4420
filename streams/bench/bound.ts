/** A share of all cores at or above which the machine itself is what a drain waits for. */
export const SATURATED_MACHINE = 0.9;
/** A share of the drain at or above which one process' JavaScript thread is what it waits for. */
export const SATURATED_THREAD = 0.8;

export interface DrainCpu {
  /** Wall seconds of the drain. */
  spanSeconds: number;
  /** Share of all cores busy over the drain; null where it cannot be read. */
  machineBusyShare: number | null;
  /** How long the workers' main threads ran, summed over `instances`; NaN where it cannot be read. */
  mainThreadRunMs: number;
  instances: number;
}

export type BoundBy = 'machine' | 'main-thread' | 'waiting' | 'unknown';

/**
 * What held a drain back, from where its CPU went: the machine, when its cores were all but full;
 * else a worker's main thread, when it ran nearly all the drain (JavaScript runs on one core at a
 * time, so an idle core cannot help it); else neither, and the worker spent its time waiting (on
 * the broker's round trips, or the broker's own threads). The same bench on another machine can
 * land in another case, which is why it is worked out per run rather than written in a README.
 */
export function drainBound(d: DrainCpu): { by: BoundBy; reason: string } {
  const busy = d.machineBusyShare;
  const thread = d.mainThreadRunMs / Math.max(1, d.instances) / (d.spanSeconds * 1000);
  if (busy === null || !Number.isFinite(thread) || d.spanSeconds <= 0) return { by: 'unknown', reason: 'no CPU figures on this platform' };
  const figures = `main thread ran ${percent(thread)} of the drain, machine ${percent(busy)} busy`;
  if (busy >= SATURATED_MACHINE) return { by: 'machine', reason: `the machine's cores (${figures})` };
  if (thread >= SATURATED_THREAD) return { by: 'main-thread', reason: `the worker's main thread (${figures})` };
  return { by: 'waiting', reason: `neither: the worker waited (${figures})` };
}

const percent = (x: number) => `${Math.round(Math.min(x, 1) * 100)}%`;
