import { GCProfiler, getHeapSpaceStatistics } from 'node:v8';

/**
 * Preloaded (`node --require`) into the soak's `prm run` processes: one JSON line on stderr every
 * 5 s with what /proc cannot tell apart in the resident memory:
 * - the V8 heap in use (`heapUsed`, garbage included: it swings with the moment of the sample)
 *   and what it holds live: its size after the latest full (mark-compact) collection, the only
 *   moment it holds no garbage, so a leak shows there and a sample's timing does not;
 * - the V8 heap's committed size (`heapTotal`): room V8 keeps beyond the live objects for the
 *   garbage to come, which it sizes itself;
 * - the nursery's committed size (new space: it grows in steps up to `--max-semi-space-size` and
 *   stays, so a step in RSS may be the nursery reaching its size rather than a leak);
 * - memory outside the V8 heap (Buffers, ArrayBuffers).
 * The soak driver reads these lines off the child's stderr; unref'd, so it never keeps a process
 * alive. The GC profiler records each collection's heap sizes, a cost per collection that the
 * soak's rates do not notice.
 */
let collections = new GCProfiler();
collections.start();
/** Until the process's first full collection, nothing is known of its live heap. */
let liveAfterFullGc: number | null = null;

setInterval(() => {
  const window = collections.stop();
  collections = new GCProfiler();
  collections.start();
  for (const gc of window.statistics) {
    if (gc.gcType === 'MarkSweepCompact') liveAfterFullGc = gc.afterGC.heapStatistics.usedHeapSize;
  }
  const { heapUsed, heapTotal, external } = process.memoryUsage();
  const nursery = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  process.stderr.write(`${JSON.stringify({ event: 'heap', heapUsed, heapTotal, liveAfterFullGc, nursery, external })}\n`);
}, 5000).unref();
export {};
