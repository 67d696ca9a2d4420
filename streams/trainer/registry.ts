import type { EstimatorInUse } from '../processors/predictor';

/** The code-estimator version a processor uses right now, with the mixing its artifact carries. */
export type ActiveEstimator = EstimatorInUse;

/**
 * Holds the version of a model in use and swaps it in place. Processors read `current()` per
 * record, so a swap takes effect on the next record without a restart.
 */
export interface VersionRegistry<T extends { version: string }> {
  current(): T;
  /** Makes `next` current; announcing the version in use again changes nothing. */
  swap(next: T): void;
  /** Versions swapped in since creation, oldest first (the initial one included). */
  history(): readonly string[];
}

/**
 * `release` frees what a replaced model holds (an estimator's tensors). It runs right after
 * the swap: processors use a model synchronously within a record, so none is in flight.
 */
export function createVersionRegistry<T extends { version: string }>(initial: T, release?: (replaced: T) => void): VersionRegistry<T> {
  let active = initial;
  const versions = [initial.version];
  return {
    current: () => active,
    swap(next) {
      if (next.version === active.version) {
        if (next !== active) release?.(next);
        return;
      }
      const previous = active;
      active = next;
      versions.push(next.version);
      release?.(previous);
    },
    history: () => [...versions],
  };
}

export type EstimatorRegistry = VersionRegistry<ActiveEstimator>;

export function createEstimatorRegistry(initial: ActiveEstimator): EstimatorRegistry {
  return createVersionRegistry(initial, (replaced) => replaced.estimator.dispose());
}
