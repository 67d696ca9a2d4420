import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A V8 sampling heap profile of everything allocated, collected or not (node's --heap-prof keeps
 * only what is still alive at exit, which hides the short-lived garbage that drives scavenges).
 * Written as a .heapprofile that Chrome DevTools opens.
 */
export class AllocationProfile {
  private readonly session = new Session();
  private running = false;

  constructor(private readonly dir: string, private readonly label: string) {
    this.session.connect();
  }

  /** Starts sampling afresh (a measured window begins): what came before is dropped. */
  restart(): void {
    if (this.running) this.session.post('HeapProfiler.stopSampling');
    this.session.post('HeapProfiler.startSampling', {
      samplingInterval: 16 * 1024,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    this.running = true;
  }

  /** Stops sampling and writes the profile as `<dir>/<label>-<pid>.heapprofile`. */
  write(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.session.post('HeapProfiler.stopSampling', (err, result) => {
        this.running = false;
        if (err) return reject(err);
        writeFileSync(join(this.dir, `${this.label}-${process.pid}.heapprofile`), JSON.stringify(result.profile));
        resolve();
      });
    });
  }
}
