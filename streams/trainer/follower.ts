import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { RegistryConnection } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue, topicCatalogue } from '../../schemas/topics';
import type { ModelUpdated } from '../../schemas/types.generated';
import type { Queryable } from '../../sinks/database';
import { isTransientDatabaseError } from '../../sinks/errors';
import { backoffDelay, retry } from '../../sinks/retry';
import { isRetriable } from '../runtime/errors';
import { subscribeCatchingUp, type CatchUp } from '../runtime/kafka/catch-up';
import { jsonLogger, type Logger } from '../runtime/logger';
import { getArtifactBody } from './model-store';

/** Loading an announced version's artifact at once: a database that answers within a moment is waited for. */
const LOAD_NOW = { maxAttempts: 3, initialDelayMs: 100 };
/** Trying a version again while its database is away: from 1 s, doubling, at most every 30 s. */
const LATER = { initialDelayMs: 1000, maxDelayMs: 30_000, factor: 2 };

/** How one model's announced versions are put in use (follow.ts has the processors' appliers). */
export interface ModelApplier {
  modelName: string;
  /**
   * Builds the version from its stored artifact and swaps it in; throws if it cannot (the
   * follower tries again later when the database was unreachable, else skips the version).
   * `loadArtifact` reads the artifact from the database: an applier that needs only the
   * announcement never pays for the load.
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
 * A version whose artifact cannot be loaded because the database is away does not hold the
 * follower up: after a few quick attempts the processor goes on with the version it has (so a
 * predictor starts, and keeps deciding, without the database), and the follower tries again in
 * the background, backing off, until the version is in or a newer one replaced it. A version
 * that fails otherwise (a bad artifact) is logged and skipped.
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

  /** Per model, the newest version announced but not yet loadable (its database away). */
  const waiting = new Map<string, ModelUpdated>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  // Applies run one at a time, announcements and background retries alike, so an older version
  // retried late never swaps in over a newer one applied meanwhile.
  let applying: Promise<void> = Promise.resolve();

  const applyNow = async (update: ModelUpdated, attempt: number): Promise<void> => {
    const applier = appliers.get(update.modelName);
    if (!applier || !update.promoted || stopped) return;
    // A replay of the topic may hold older announcements before compaction has removed them.
    if (update.trainedAt.getTime() <= (newestApplied.get(update.modelName) ?? -Infinity)) return;
    const waited = waiting.get(update.modelName);
    if (waited && waited.trainedAt.getTime() > update.trainedAt.getTime()) return;
    const loadArtifact = () => retry(() => getArtifactBody(o.database, update.artifactUri), LOAD_NOW);
    try {
      await applier.apply(update, loadArtifact);
      waiting.delete(update.modelName);
      newestApplied.set(update.modelName, update.trainedAt.getTime());
      applied.push(update.version);
      logger.info('model version swapped in', { model: update.modelName, version: update.version, algorithm: update.algorithm, artifactUri: update.artifactUri });
    } catch (error) {
      if (!isTransientDatabaseError(error)) {
        if (waiting.get(update.modelName) === update) waiting.delete(update.modelName);
        logger.error('model version not applied', { model: update.modelName, version: update.version, artifactUri: update.artifactUri, error: (error as Error).message });
        return;
      }
      waiting.set(update.modelName, update);
      const delayMs = backoffDelay(attempt, LATER.initialDelayMs, LATER.maxDelayMs, LATER.factor, Math.random());
      logger.warn('model version not loadable yet (database unreachable); keeping the current one and trying again', {
        model: update.modelName, version: update.version, inMs: Math.round(delayMs), error: (error as Error).message,
      });
      if (stopped) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (waiting.get(update.modelName) === update) void apply(update, attempt + 1);
      }, delayMs);
      timers.add(timer);
    }
  };
  const apply = (update: ModelUpdated, attempt = 1): Promise<void> => {
    const run = applying.then(() => applyNow(update, attempt));
    applying = run.catch(() => undefined);
    return run;
  };

  return {
    topic: spec.name,
    async start() {
      const serde = await EventSerde.start({ registry: o.registry, topics: [spec] });
      ({ consumer, catchUp } = await subscribeCatchingUp(o.kafka, {
        topic: spec.name,
        groupId,
        onRetry: (error, attempt) => logger.warn('model-updates offsets not readable yet; retrying', { attempt, error: (error as Error).message }),
      }));
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          let update: ModelUpdated;
          try {
            update = await serde.read<'ModelUpdated'>(spec.name, message.value, { now: Date.now() });
          } catch (error) {
            // A registry that is away is not the update's fault: skipped, the version it
            // announces would never be swapped in. Thrown, kafkajs reads it again.
            if (isRetriable(error)) throw error;
            logger.error('unreadable model update skipped', { partition, offset: message.offset, error: (error as Error).message });
            return;
          }
          await apply(update);
        },
      });
    },
    caughtUp: () => catchUp?.done ?? Promise.reject(new Error('caughtUp() before start()')),
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      // A swap under way finishes before the caller disposes of the models it holds.
      await applying;
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
