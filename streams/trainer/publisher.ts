import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { InvalidRecordError } from '../../schemas/errors';
import type { RegistryConnection } from '../../schemas/registry-http';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue, topicCatalogue } from '../../schemas/topics';
import type { ModelUpdated } from '../../schemas/types.generated';
import { validateEvent } from '../../schemas/validation';

export interface ModelUpdatePublisher {
  readonly topic: string;
  publish(update: ModelUpdated): Promise<void>;
  close(): Promise<void>;
}

/**
 * Announces model versions on the compacted prm.model-updates (keyed by model name, so the
 * topic keeps each model's latest announcement). Idempotent producer, all in-sync replicas.
 */
export async function createModelUpdatePublisher(o: { kafka: Kafka; registry: RegistryConnection; prefix?: string; now?: () => number }): Promise<ModelUpdatePublisher> {
  const spec = findTopic(`${o.prefix ?? ''}prm.model-updates`, prefixedCatalogue(o.prefix ?? '', topicCatalogue));
  const serde = await EventSerde.start({ registry: o.registry, topics: [spec] });
  const producer: Producer = o.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const now = o.now ?? Date.now;
  return {
    topic: spec.name,
    async publish(update) {
      const violations = validateEvent('ModelUpdated', update, { now: now() });
      if (violations.length > 0) throw new InvalidRecordError(violations, serde.schemaId(spec.name));
      const { key, value } = serde.message<'ModelUpdated'>(spec.name, update);
      await producer.send({ topic: spec.name, acks: -1, compression: CompressionTypes.None, messages: [{ key, value, timestamp: String(update.trainedAt.getTime()) }] });
    },
    close: () => producer.disconnect(),
  };
}
