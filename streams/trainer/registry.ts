import type { Estimator } from '../../models/code/estimator';
import { BASELINE_FORECAST_VERSION } from '../../models/training/forecast-model';
import type { ActiveForecastModels } from '../processors/forecaster';

/** The code-estimator version a processor uses right now. */
export interface ActiveEstimator {
  estimator: Estimator;
  version: string;
}

/**
 * Holds the code estimator in use and swaps it in place. Processors read `current()` per
 * request, so a swap takes effect on the next record without a restart; the replaced
 * estimator is disposed after the swap (estimation is synchronous, so none is in flight).
 */
export interface EstimatorRegistry {
  current(): ActiveEstimator;
  swap(next: ActiveEstimator): void;
  /** Versions swapped in since creation, oldest first (the initial one included). */
  history(): readonly string[];
}

export function createEstimatorRegistry(initial: ActiveEstimator): EstimatorRegistry {
  let active = initial;
  const versions = [initial.version];
  return {
    current: () => active,
    swap(next) {
      if (next.version === active.version) {
        if (next.estimator !== active.estimator) next.estimator.dispose();
        return;
      }
      const previous = active;
      active = next;
      versions.push(next.version);
      previous.estimator.dispose();
    },
    history: () => [...versions],
  };
}

/** Holds the cluster-forecaster version in use; the forecaster reads `current()` per forecast. */
export interface ForecastModelsRegistry {
  current(): ActiveForecastModels;
  swap(next: ActiveForecastModels): void;
  /** Versions swapped in since creation, oldest first (the initial one included). */
  history(): readonly string[];
}

export function createForecastModelsRegistry(initial: ActiveForecastModels = { version: BASELINE_FORECAST_VERSION }): ForecastModelsRegistry {
  let active = initial;
  const versions = [initial.version];
  return {
    current: () => active,
    swap(next) {
      if (next.version === active.version) return;
      active = next;
      versions.push(next.version);
    },
    history: () => [...versions],
  };
}
