import { getHeapSpaceStatistics } from 'node:v8';

/**
 * Preloaded (`node --require`) into the soak's `prm run` processes: one JSON line on stderr every
 * 5 s with what /proc cannot tell apart in the resident memory: the V8 heap in use, the nursery's
 * committed size (new space: it grows in steps up to `--max-semi-space-size` and stays, so a step
 * in RSS may be the nursery reaching its size rather than a leak), and memory outside the V8 heap
 * (Buffers, ArrayBuffers). The soak driver reads these lines off the child's stderr; unref'd, so it
 * never keeps a process alive.
 */
setInterval(() => {
  const { heapUsed, external } = process.memoryUsage();
  const nursery = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
  process.stderr.write(`{"event":"heap","heapUsed":${heapUsed},"nursery":${nursery},"external":${external}}\n`);
}, 5000).unref();
export {};
