import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { initTfBackend } from '../../models/tf/backend';
import type { RegistryConnection } from '../../schemas/registry-http';
import { connectDatabase, type Database } from '../../sinks/database';
import { migrate } from '../../sinks/migrations/runner';
import { silentLogger } from '../runtime/logger';
import type { TrainerDeps, TrainerOptions } from './cycle';
import { followCurrentVersions } from './current-versions';
import { createFeatureRecorder, type FeatureRecorder } from './feature-recorder';
import { shippedEstimator } from './model-store';
import { createModelUpdatePublisher, type ModelUpdatePublisher } from './publisher';

export interface TrainerServiceOptions {
  databaseUrl: string;
  /** Brokers, and TLS and SASL when configured (stack/connection.ts). */
  kafka: Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;
  registry: RegistryConnection;
  /** Topic-name prefix (a test run, a shared cluster). Default ''. */
  prefix?: string;
  options?: Partial<TrainerOptions>;
  log?: (line: string) => void;
}

export interface TrainerService {
  deps: TrainerDeps;
  db: Database;
  /** Not started: start it (and await caughtUp() before a one-off cycle) to record the analyser's features of new requests. */
  recorder: FeatureRecorder;
  /** Stops the recorder if started, closes the publisher and the database. */
  close(): Promise<void>;
}

/**
 * Everything a training cycle needs, connected: the migrated database, the TensorFlow.js
 * backend, the shipped version, the ModelUpdated publisher, and the feature recorder.
 */
export async function connectTrainer(o: TrainerServiceOptions): Promise<TrainerService> {
  const log = o.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const db = await connectDatabase({ url: o.databaseUrl, log });
  let publisher: ModelUpdatePublisher | undefined;
  let following: Awaited<ReturnType<typeof followCurrentVersions>> | undefined;
  try {
    await migrate(db, { log });
    const backend = await initTfBackend(log);
    const shipped = await shippedEstimator();
    const kafka = new Kafka({ ...o.kafka, clientId: 'prm-trainer', logLevel: logLevel.NOTHING });
    publisher = await createModelUpdatePublisher({ kafka, registry: o.registry, prefix: o.prefix });
    const connected = publisher;
    following = await followCurrentVersions({ kafka, registry: o.registry, database: db, prefix: o.prefix, logger: silentLogger });
    const followed = following;
    const recorder = createFeatureRecorder({ kafka, registry: o.registry, database: db, prefix: o.prefix });
    return {
      deps: { db, publisher: connected, current: followed.versions, shipped, backend, options: o.options, log },
      db,
      recorder,
      async close() {
        await recorder.stop();
        await followed.stop();
        await connected.close();
        await db.close();
      },
    };
  } catch (error) {
    await following?.stop().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await db.close();
    throw error;
  }
}
