import type { Kafka } from 'kafkajs';
import { CODE_MODEL_NAME, parseArtifact, type TrainedEstimatorArtifact } from '../../models/training/artifact';
import { BASELINE_FORECAST_VERSION, FORECAST_MODEL_NAME, parseForecastArtifact } from '../../models/training/forecast-model';
import { loadTrainedEstimator } from '../../models/training/load';
import type { RegistryConnection } from '../../schemas/registry-http';
import type { Queryable } from '../../sinks/database';
import type { ActiveForecastModels } from '../processors/forecaster';
import type { Logger } from '../runtime/logger';
import { createModelFollower, type ModelApplier, type ModelFollower } from './follower';
import { shippedEstimator } from './model-store';
import { createEstimatorRegistry, createVersionRegistry, type ActiveEstimator, type EstimatorRegistry, type VersionRegistry } from './registry';

/** A stored version ready for the predictor: its estimator loaded, with the mixing it was fitted with. */
export async function activeEstimator(version: string, artifact: TrainedEstimatorArtifact): Promise<ActiveEstimator> {
  const estimator = await loadTrainedEstimator(artifact);
  return artifact.mixing ? { estimator, version, codeEvidenceStrength: artifact.mixing.codeEvidenceStrength } : { estimator, version };
}

/** Swaps announced code-estimator versions into `estimators`. */
export function codeEstimatorApplier(estimators: EstimatorRegistry): ModelApplier {
  return {
    modelName: CODE_MODEL_NAME,
    async apply(update, loadArtifact) {
      estimators.swap(await activeEstimator(update.version, parseArtifact(await loadArtifact())));
    },
  };
}

/** Swaps announced cluster-forecaster versions into `forecasts`. */
export function forecastModelsApplier(forecasts: VersionRegistry<ActiveForecastModels>): ModelApplier {
  return {
    modelName: FORECAST_MODEL_NAME,
    async apply(update, loadArtifact) {
      forecasts.swap({ version: update.version, artifact: parseForecastArtifact(await loadArtifact()) });
    },
  };
}

export interface FollowedModels {
  /** Pass `estimators.current` to the predictor as `currentEstimator` (when following the code estimator). */
  estimators?: EstimatorRegistry;
  /** Pass `forecasts.current` to the forecaster as `currentModels` (when following the forecaster). */
  forecasts?: VersionRegistry<ActiveForecastModels>;
  follower: ModelFollower;
  stop(): Promise<void>;
}

export interface FollowModelsOptions {
  kafka: Kafka;
  registry: RegistryConnection;
  database: Queryable;
  prefix?: string;
  logger?: Logger;
  /** Which models this instance uses: the predictor's code estimator, the forecaster's models. */
  follow: { codeEstimator: boolean; forecaster: boolean };
}

/**
 * What a processor instance needs to use the latest promoted versions of its models: the
 * version in use before any retraining (the shipped code estimator, the baselines), a registry
 * holding it, and a follower of prm.model-updates that has already applied every announcement
 * on the topic (so processing starts on the latest versions) and keeps swapping new ones in.
 */
export async function followModels(o: FollowModelsOptions): Promise<FollowedModels> {
  const appliers: ModelApplier[] = [];
  let estimators: EstimatorRegistry | undefined;
  let forecasts: VersionRegistry<ActiveForecastModels> | undefined;
  if (o.follow.codeEstimator) {
    const shipped = await shippedEstimator();
    estimators = createEstimatorRegistry(await activeEstimator(shipped.version, shipped.artifact));
    appliers.push(codeEstimatorApplier(estimators));
  }
  if (o.follow.forecaster) {
    forecasts = createVersionRegistry<ActiveForecastModels>({ version: BASELINE_FORECAST_VERSION });
    appliers.push(forecastModelsApplier(forecasts));
  }
  const follower = createModelFollower({ kafka: o.kafka, registry: o.registry, database: o.database, appliers, prefix: o.prefix, logger: o.logger });
  await follower.start();
  await follower.caughtUp();
  return {
    estimators,
    forecasts,
    follower,
    async stop() {
      await follower.stop();
      estimators?.current().estimator.dispose();
    },
  };
}
