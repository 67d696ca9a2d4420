import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { RegistryConnection } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue, topicCatalogue } from '../../schemas/topics';
import type { ModelUpdated } from '../../schemas/types.generated';
import type { Queryable } from '../../sinks/database';
import { retry } from '../../sinks/retry';
import { catchUpFromNow, type CatchUp } from '../runtime/kafka/catch-up';
import { jsonLogger, type Logger } from '../runtime/logger';
import { getArtifactBody } from './model-store';

/** How one model's announced versions are put in use (follow.ts has the processors' appliers). */
export interface ModelApplier {
  modelName: string;
  /**
   * Builds the version from its stored artifact and swaps it in; throws (and the version is
   * skipped) if it cannot. `loadArtifact` reads the artifact from the database, retrying while
   * it is unreachable: an applier that needs only the announcement never pays for the load.
   */
  apply(update: ModelUpdated, loadArtifact: () => Promise<unknown>): Promise<void>;
}

export interface ModelFollowerOptions {
  kafka: Kafka;
  registry: RegistryConnection;
  /** Where artifacts are loaded from (prm.model_artifacts). */
  database: Queryable;
  /** The models this instance follows; announcements of others are ignored. */
  appliers: readonly ModelApplier[];
  prefix?: string;
  logger?: Logger;
}

export interface ModelFollower {
  readonly topic: string;
  /** Connects and reads prm.model-updates from the beginning; resolves once running. */
  start(): Promise<void>;
  /** Resolves once every announcement on the topic at start-up has been applied (the predictor then starts on the latest version). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
  /** Versions applied, oldest first. */
  applied(): readonly string[];
}

/**
 * Follows prm.model-updates and swaps each newly promoted version of the models it follows in:
 * loads its artifact from the database and hands it to the model's applier. Every
 * instance reads the whole compacted topic with a consumer group of its own (it commits
 * nothing), so each learns the latest version at start-up and every later one as it comes.
 * Loading retries while the database is unreachable (a minute at most, so a follower
 * never stalls for good); a version that still cannot be loaded is logged and skipped: the
 * processor keeps the one it has.
 */
export function createModelFollower(o: ModelFollowerOptions): ModelFollower {
  const logger = o.logger ?? jsonLogger().child({ component: 'model-follower' });
  const spec = findTopic(`${o.prefix ?? ''}prm.model-updates`, prefixedCatalogue(o.prefix ?? '', topicCatalogue));
  const applied: string[] = [];
  let consumer: Consumer | undefined;
  // Each instance's own group, thrown away on stop (it never commits, so it holds nothing).
  const groupId = `${o.prefix ?? ''}prm.model-follower.${randomUUID()}`;
  const appliers = new Map(o.appliers.map((a) => [a.modelName, a]));
  const newestApplied = new Map<string, number>();
  let catchUp: CatchUp | undefined;

  const apply = async (update: ModelUpdated) => {
    const applier = appliers.get(update.modelName);
    if (!applier || !update.promoted) return;
    // A replay of the topic may hold older announcements before compaction has removed them.
    if (update.trainedAt.getTime() <= (newestApplied.get(update.modelName) ?? -Infinity)) return;
    const loadArtifact = () =>
      retry(() => getArtifactBody(o.database, update.artifactUri), {
        maxAttempts: 15,
        onRetry: (error, attempt) => logger.warn('model artifact not loaded yet; retrying', { artifactUri: update.artifactUri, attempt, error: (error as Error).message }),
      });
    try {
      await applier.apply(update, loadArtifact);
      newestApplied.set(update.modelName, update.trainedAt.getTime());
      applied.push(update.version);
      logger.info('model version swapped in', { model: update.modelName, version: update.version, algorithm: update.algorithm, artifactUri: update.artifactUri });
    } catch (error) {
      logger.error('model version not applied', { model: update.modelName, version: update.version, artifactUri: update.artifactUri, error: (error as Error).message });
    }
  };

  return {
    topic: spec.name,
    async start() {
      const serde = await EventSerde.start({ registry: o.registry, topics: [spec] });
      const admin = o.kafka.admin();
      await admin.connect();
      try {
        catchUp = await catchUpFromNow({
          admin,
          topic: spec.name,
          onRetry: (error, attempt) => logger.warn('model-updates offsets not readable yet; retrying', { attempt, error: (error as Error).message }),
        });
      } finally {
        await admin.disconnect();
      }
      consumer = o.kafka.consumer({ groupId });
      catchUp.watch(consumer);
      await consumer.connect();
      await consumer.subscribe({ topics: [spec.name], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          try {
            await apply(await serde.read<'ModelUpdated'>(spec.name, message.value, { now: Date.now() }));
          } catch (error) {
            logger.error('unreadable model update skipped', { partition, offset: message.offset, error: (error as Error).message });
          }
        },
      });
    },
    caughtUp: () => catchUp?.done ?? Promise.reject(new Error('caughtUp() before start()')),
    async stop() {
      if (!consumer) return;
      await consumer.disconnect();
      consumer = undefined;
      const admin = o.kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch((error: Error) => logger.warn('follower group not deleted', { groupId, error: error.message }));
      await admin.disconnect();
    },
    applied: () => [...applied],
  };
}
