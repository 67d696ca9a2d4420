import { MinHeap } from './min-heap';

export interface Bin {
  freeCores: number;
  freeMemory: number;
}

/** Replicas per bin chosen for a job; empty when it does not fit. */
export type Placement<B extends Bin> = { bin: B; replicas: number }[];

/**
 * Best-fit bin packing of `replicas` identical parts: bins that fit at least one part are filled
 * tightest first (least free room, cores and memory normalised by the bin's size), so large free
 * bins stay free for large jobs and idle instances can be released. All or nothing; when nothing
 * is placed, `noRoom.parts` (if given) says how many parts the bins could hold.
 */
export function bestFit<B extends Bin>(
  bins: readonly B[], cores: number, memory: number, replicas: number, binCores: number, binMemory: number,
  noRoom?: { parts: number },
): Placement<B> {
  // First only count: most calls in a crowded cluster find no room, and need not allocate.
  let capacity = 0;
  for (const bin of bins) {
    capacity += partsThatFit(bin, cores, memory);
    if (capacity >= replicas) break;
  }
  if (capacity < replicas) {
    if (noRoom) noRoom.parts = capacity;
    return [];
  }
  const memoryScale = Number.isFinite(binMemory) && binMemory > 0 ? binMemory : 0;
  if (room.length < bins.length) room = new Float64Array(Math.max(bins.length, 2 * room.length));
  const fitting: number[] = [];
  for (let at = 0; at < bins.length; at++) {
    const bin = bins[at]!;
    if (partsThatFit(bin, cores, memory) === 0) continue;
    room[at] = bin.freeCores / binCores + (memoryScale > 0 ? bin.freeMemory / memoryScale : 0);
    fitting.push(at);
  }
  // Tightest first, ties in the bins' order; taken from a heap of indices, since a job usually
  // fills a few bins of the many that have room, and sorting them all dominated a large fleet's run.
  const tightest = MinHeap.of(fitting, (a, b) => room[a]! - room[b]! || a - b);
  const placement: Placement<B> = [];
  let left = replicas;
  while (left > 0) {
    const bin = bins[tightest.pop()!]!;
    const k = Math.min(left, partsThatFit(bin, cores, memory));
    placement.push({ bin, replicas: k });
    left -= k;
  }
  return placement;
}

/** Scratch room per bin index for bestFit (reused: a placement is computed at every dispatch). */
let room = new Float64Array(1024);

/**
 * Parts of `cores` and `memory` that fit in `bin` (same rounding as bestFit). A bin charged past
 * its size (the scheduler's shrunk share still carrying running jobs) holds none, not a negative
 * count that would offset another bin's room.
 */
export function partsThatFit(bin: Bin, cores: number, memory: number): number {
  const byCores = cores > 0 ? Math.floor(bin.freeCores / cores + 1e-9) : Infinity;
  const byMemory = memory > 0 ? Math.floor(bin.freeMemory / memory + 1e-9) : Infinity;
  const k = Math.min(byCores, byMemory);
  return Number.isFinite(k) ? Math.max(0, k) : Number.MAX_SAFE_INTEGER;
}

/**
 * The room `bin` lacks for `cores` and `memory`, in bins' worth (the cores and the memory it lacks,
 * each as a fraction of a bin's size, summed); 0 when they fit. A starved wide job's hold goes to
 * the bins that lack the least.
 */
export function lackingRoom(bin: Bin, cores: number, memory: number, binCores: number, binMemory: number): number {
  return Math.max(0, cores - bin.freeCores) / binCores + Math.max(0, memory - bin.freeMemory) / binMemory;
}
