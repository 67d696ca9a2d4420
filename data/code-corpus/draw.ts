import { seededRandom } from '../../models/seeded-random';

/** Seeded draws for the corpus generator: the same seed writes the same corpus. */
export interface Draw {
  int(lo: number, hi: number): number;
  logUniform(lo: number, hi: number): number;
  pick<T>(options: readonly T[]): T;
  chance(p: number): boolean;
}

/**
 * @param upper sizes are drawn from this fraction of each range upwards (0: whole range; 0.5:
 *   upper half, for a batch of heavier programs). Choices of shape are unaffected.
 */
export function createDraw(seed: number, upper = 0): Draw {
  const next = seededRandom(seed);
  const size = () => upper + (1 - upper) * next();
  return {
    int: (lo, hi) => Math.min(hi, lo + Math.floor(size() * (hi - lo + 1))),
    logUniform: (lo, hi) => Math.exp(Math.log(lo) + size() * (Math.log(hi) - Math.log(lo))),
    pick: (options) => options[Math.floor(next() * options.length)]!,
    chance: (p) => next() < p,
  };
}
