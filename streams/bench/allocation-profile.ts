import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which sampled allocations a profile keeps:
 * - `all`: everything, collected or not: the garbage that drives scavenges (node's --heap-prof
 *   keeps only what is alive at exit, which hides it);
 * - `survivors`: what no scavenge collected: objects promoted to the old generation or allocated
 *   there (pretenured sites; a long-lived Map's new hash table when it grows, shrinks or
 *   rehashes), alive or collected by a full GC since. Less `live`, it is the old-generation
 *   garbage that drives full collections and their pauses;
 * - `live`: what is still alive when the profile is written.
 */
const ALLOCATIONS_KEPT = ['all', 'survivors', 'live'] as const;

export type AllocationsKept = (typeof ALLOCATIONS_KEPT)[number];

/** A V8 sampling heap profile, written as a .heapprofile that Chrome DevTools opens. */
export class AllocationProfile {
  private readonly session = new Session();
  private running = false;

  constructor(
    private readonly dir: string,
    private readonly label: string,
    private readonly kept: AllocationsKept = 'all',
  ) {
    // As node's --cpu-prof-dir does: the directory is made when missing, not found at the end of a run.
    mkdirSync(dir, { recursive: true });
    this.session.connect();
  }

  /** Starts sampling afresh (a measured window begins): what came before is dropped. */
  restart(): void {
    if (this.running) this.session.post('HeapProfiler.stopSampling');
    this.session.post('HeapProfiler.startSampling', {
      samplingInterval: 16 * 1024,
      includeObjectsCollectedByMajorGC: this.kept !== 'live',
      includeObjectsCollectedByMinorGC: this.kept === 'all',
    });
    this.running = true;
  }

  /** Stops sampling and writes the profile as `<dir>/<label>-<pid>.heapprofile`. */
  write(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.session.post('HeapProfiler.stopSampling', (err, result) => {
        this.running = false;
        if (err) return reject(err);
        // Thrown inside the inspector's callback, a failed write would settle nothing.
        try {
          writeFileSync(join(this.dir, `${this.label}-${process.pid}.heapprofile`), JSON.stringify(result.profile));
          resolve();
        } catch (writeErr) {
          reject(writeErr);
        }
      });
    });
  }
}

/** PRM_BENCH_ALLOC_PROFILE_KEEP's value (default `all`); anything else is refused with the choices. */
export function allocationsKept(value: string | undefined): AllocationsKept {
  if (value === undefined || value === '') return 'all';
  const kept = ALLOCATIONS_KEPT.find((k) => k === value);
  if (!kept) throw new Error(`PRM_BENCH_ALLOC_PROFILE_KEEP must be one of ${ALLOCATIONS_KEPT.join(', ')}, got '${value}'`);
  return kept;
}
