import type { Consumer, Kafka } from 'kafkajs';
import { createAnalyzer, type Analyzer } from '../../models/code/analyzer';
import type { RegistryConnection } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue, topicCatalogue } from '../../schemas/topics';
import type { Queryable } from '../../sinks/database';
import { subscribeCatchingUp, type CatchUp } from '../runtime/kafka/catch-up';
import { isRetriable } from '../runtime/errors';
import { jsonLogger, type Logger } from '../runtime/logger';
import { recordRequestFeatures } from './history';

export interface FeatureRecorderOptions {
  kafka: Kafka;
  registry: RegistryConnection;
  /** A migrated database: rows go to prm.request_features. */
  database: Queryable;
  prefix?: string;
  /** Consumer group; instances in one group share the partitions. Default '<prefix>prm.trainer.features'. */
  groupId?: string;
  analyzer?: Analyzer;
  logger?: Logger;
}

export interface FeatureRecorder {
  /** Connects and reads prm.requests (from the beginning for a new group); resolves once running. */
  start(): Promise<void>;
  /** Resolves once every request on the topic at start-up is recorded (call after start). */
  caughtUp(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Requests whose features its writes stored or found stored already. Not the rows its inserts
   * reported new: a write whose reply was lost (the connection dropped after the commit) is
   * retried, finds its rows there and reports none, though this recorder stored them. A batch
   * read again after its offsets failed to commit counts again.
   */
  recorded(): number;
}

/**
 * The analyser's full features of every request into prm.request_features, which the trainer
 * joins with telemetry: prm.code-features keeps only part of them, and a model can only be
 * retrained on the features it is served with. Reads prm.requests, analyses each request's
 * code as the predictor does, writes a partition batch in one statement and commits its
 * offsets only after, so a crash replays a batch that stores nothing twice. Requests that do
 * not decode or validate are skipped (the predictor dead-letters them); a registry that is away
 * holds the batch until it answers.
 */
export function createFeatureRecorder(o: FeatureRecorderOptions): FeatureRecorder {
  const logger = o.logger ?? jsonLogger().child({ component: 'feature-recorder' });
  const spec = findTopic(`${o.prefix ?? ''}prm.requests`, prefixedCatalogue(o.prefix ?? '', topicCatalogue));
  const analyzer = o.analyzer ?? createAnalyzer();
  let consumer: Consumer | undefined;
  let count = 0;
  let catchUp: CatchUp | undefined;

  return {
    async start() {
      const serde = await EventSerde.start({ registry: o.registry, topics: [spec] });
      const groupId = o.groupId ?? `${o.prefix ?? ''}prm.trainer.features`;
      ({ consumer, catchUp } = await subscribeCatchingUp(o.kafka, {
        topic: spec.name,
        groupId,
        onRetry: (error, attempt) => logger.warn('request offsets not readable yet; retrying', { attempt, error: (error as Error).message }),
      }));
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          const analysed = [];
          for (const message of batch.messages) {
            try {
              const request = await serde.read<'ExecutionRequest'>(spec.name, message.value, { now: Date.now() });
              analysed.push({ requestId: request.requestId, userId: request.userId, analyzedAt: request.submittedAt, features: analyzer.analyze(request.code) });
            } catch (error) {
              // A registry that is away, or a writer schema still being fetched, is not the
              // request's fault: skipped, its features would be missing from training for good.
              // Thrown, kafkajs reads the batch again (its offsets are not committed yet).
              if (isRetriable(error)) throw error;
              logger.warn('request not recorded', { partition: batch.partition, offset: message.offset, error: (error as Error).message });
            }
            await heartbeat();
          }
          await recordRequestFeatures(o.database, analysed);
          count += analysed.length;
          if (batch.isEmpty()) return;
          const last = batch.lastOffset();
          await consumer!.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
        },
      });
    },
    caughtUp: () => catchUp?.done ?? Promise.reject(new Error('caughtUp() before start()')),
    async stop() {
      await consumer?.disconnect();
      consumer = undefined;
    },
    recorded: () => count,
  };
}
