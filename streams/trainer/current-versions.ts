import type { Kafka } from 'kafkajs';
import { CODE_MODEL_NAME } from '../../models/training/artifact';
import { FORECAST_MODEL_NAME } from '../../models/training/forecast-model';
import type { RegistryConnection } from '../../schemas/registry-http';
import type { ModelUpdated } from '../../schemas/types.generated';
import type { Queryable } from '../../sinks/database';
import type { Logger } from '../runtime/logger';
import { createModelFollower, type ModelApplier } from './follower';

/** A promoted version: its name and where its artifact is. */
export interface PromotedVersion {
  version: string;
  artifactUri: string;
}

/**
 * The versions the processors use: the latest promoted announcement per model on this
 * deployment's prm.model-updates, which is what they follow. The history database holds the
 * versions of every deployment and replay that shares it; the topic holds this one's.
 */
export interface CurrentVersions {
  get(modelName: string): PromotedVersion | undefined;
  /** Records an announcement (from the topic, or the trainer's own as it publishes it). */
  record(update: ModelUpdated): void;
}

export function createCurrentVersions(): CurrentVersions {
  const current = new Map<string, PromotedVersion & { trainedAtMs: number }>();
  return {
    get(modelName) {
      const v = current.get(modelName);
      return v && { version: v.version, artifactUri: v.artifactUri };
    },
    record(update) {
      if (!update.promoted) return;
      const seen = current.get(update.modelName);
      // The trainer records its own announcement before the topic delivers it back.
      if (seen && seen.trainedAtMs >= update.trainedAt.getTime()) return;
      current.set(update.modelName, { version: update.version, artifactUri: update.artifactUri, trainedAtMs: update.trainedAt.getTime() });
    },
  };
}

/** Current versions kept up to date from prm.model-updates; resolves once the topic is read to its end. */
export async function followCurrentVersions(o: { kafka: Kafka; registry: RegistryConnection; database: Queryable; prefix?: string; logger?: Logger }): Promise<{ versions: CurrentVersions; stop(): Promise<void> }> {
  const versions = createCurrentVersions();
  const recorder = (modelName: string): ModelApplier => ({ modelName, apply: (update) => Promise.resolve(versions.record(update)) });
  const follower = createModelFollower({ ...o, appliers: [recorder(CODE_MODEL_NAME), recorder(FORECAST_MODEL_NAME)] });
  await follower.start();
  await follower.caughtUp();
  return { versions, stop: () => follower.stop() };
}
