/**
 * Arithmetic for the work estimates (times a node runs, operations, elements, delays), which
 * multiply loop trips, callback repeats and recursion. Unchecked, 26 nested loops of 1e12
 * trips overflow to Infinity, and Infinity × 0 (a callee that allocates nothing) is NaN, which
 * `Math.min` does not catch. These saturate at WORK_CAP instead, and a product with 0 is 0.
 */

/** The largest work figure the analyser reports: far beyond anything that could run. */
export const WORK_CAP = 1e15;

/** a × b of non-negative figures, at most WORK_CAP; 0 if either is 0 (or not a number). */
export function times(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return 0;
  const p = a * b;
  return p < WORK_CAP ? p : WORK_CAP;
}

/** a + b of non-negative figures, at most WORK_CAP (and 0 rather than NaN). */
export function plus(a: number, b: number): number {
  const s = a + b;
  if (!(s > 0)) return 0;
  return s < WORK_CAP ? s : WORK_CAP;
}
