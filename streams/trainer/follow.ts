import type { Kafka } from 'kafkajs';
import { loadTrainedEstimator } from '../../models/training/load';
import { initTfBackend } from '../../models/tf/backend';
import type { RegistryConnection } from '../../schemas/registry-http';
import type { Queryable } from '../../sinks/database';
import type { Logger } from '../runtime/logger';
import { createModelFollower, type ModelFollower } from './follower';
import { shippedEstimator } from './model-store';
import { createEstimatorRegistry, type EstimatorRegistry } from './registry';

export interface FollowedCodeModels {
  /** Pass `estimators.current` to the predictor as `currentEstimator`. */
  estimators: EstimatorRegistry;
  follower: ModelFollower;
  stop(): Promise<void>;
}

/**
 * What a predictor instance needs to use the latest promoted code estimator: the shipped
 * version loaded, a registry holding it, and a follower of prm.model-updates that has already
 * applied every announcement on the topic (so the predictor starts on the latest version) and
 * keeps swapping new ones in.
 */
export async function followCodeModels(o: { kafka: Kafka; registry: RegistryConnection; database: Queryable; prefix?: string; logger?: Logger }): Promise<FollowedCodeModels> {
  await initTfBackend((line) => o.logger?.info(line));
  const shipped = await shippedEstimator();
  const estimators = createEstimatorRegistry({ estimator: await loadTrainedEstimator(shipped.artifact), version: shipped.version });
  const follower = createModelFollower({ kafka: o.kafka, registry: o.registry, database: o.database, estimators, prefix: o.prefix, logger: o.logger });
  await follower.start();
  await follower.caughtUp();
  return {
    estimators,
    follower,
    async stop() {
      await follower.stop();
      estimators.current().estimator.dispose();
    },
  };
}
