export interface Bin {
  freeCores: number;
  freeMemory: number;
}

/** Replicas per bin chosen for a job; empty when it does not fit. */
export type Placement<B extends Bin> = { bin: B; replicas: number }[];

/**
 * Best-fit bin packing of `replicas` identical parts: bins that fit at least one part are filled
 * tightest first (least free room, cores and memory normalised by the bin's size), so large free
 * bins stay free for large jobs and idle instances can be released. All or nothing.
 */
export function bestFit<B extends Bin>(
  bins: readonly B[], cores: number, memory: number, replicas: number, binCores: number, binMemory: number,
): Placement<B> {
  const fits: { bin: B; room: number; k: number }[] = [];
  let capacity = 0;
  for (const bin of bins) {
    const k = partsThatFit(bin, cores, memory);
    if (k === 0) continue;
    fits.push({ bin, room: bin.freeCores / binCores + (Number.isFinite(binMemory) && binMemory > 0 ? bin.freeMemory / binMemory : 0), k });
    capacity += k;
  }
  if (capacity < replicas) return [];
  fits.sort((a, b) => a.room - b.room);
  const placement: Placement<B> = [];
  let left = replicas;
  for (const f of fits) {
    if (left === 0) break;
    const k = Math.min(left, f.k);
    placement.push({ bin: f.bin, replicas: k });
    left -= k;
  }
  return placement;
}

function partsThatFit(bin: Bin, cores: number, memory: number): number {
  const byCores = cores > 0 ? Math.floor(bin.freeCores / cores + 1e-9) : Infinity;
  const byMemory = memory > 0 ? Math.floor(bin.freeMemory / memory + 1e-9) : Infinity;
  const k = Math.min(byCores, byMemory);
  return Number.isFinite(k) ? k : Number.MAX_SAFE_INTEGER;
}
