import { seededRandom } from '../../models/code/seeded-random';

/** Seeded draws for the corpus generator: the same seed writes the same corpus. */
export interface Draw {
  int(lo: number, hi: number): number;
  logUniform(lo: number, hi: number): number;
  pick<T>(options: readonly T[]): T;
  chance(p: number): boolean;
}

export function createDraw(seed: number): Draw {
  const next = seededRandom(seed);
  return {
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    logUniform: (lo, hi) => Math.exp(Math.log(lo) + next() * (Math.log(hi) - Math.log(lo))),
    pick: (options) => options[Math.floor(next() * options.length)]!,
    chance: (p) => next() < p,
  };
}
