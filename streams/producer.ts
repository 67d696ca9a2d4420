/**
 * Publishing execution requests to PRM from another service:
 *
 *   const producer = await createRequestProducer();            // endpoints from env or the local stack
 *   await producer.publishExecutionRequest({ requestId, userId, tier: 'STANDARD', priority: 5,
 *     language: 'JAVASCRIPT', code, submittedAt: new Date() });
 *   await producer.close();
 *
 * Each request is validated (the same rules processors apply on read), Avro-encoded with the
 * schema registered for the topic, keyed by user id (so it co-partitions with the user's profile)
 * and stamped with its submission time as the Kafka timestamp (its event time). The producer is
 * idempotent (retries never duplicate a record) and waits for all in-sync replicas.
 */
import { CompressionTypes, Kafka, logLevel, type Producer } from 'kafkajs';
import { InvalidRecordError } from '../schemas/errors';
import { EventSerde } from '../schemas/serde';
import { findTopic, prefixedCatalogue, topicCatalogue } from '../schemas/topics';
import type { ExecutionRequest } from '../schemas/types.generated';
import { validateEvent } from '../schemas/validation';
import { resolveEndpoints } from '../stack/endpoints';

export interface RequestProducerOptions {
  /** Default: KAFKA_BROKERS, else the local stack's. */
  brokers?: string[];
  /** Default: SCHEMA_REGISTRY_URL, else the local stack's. */
  registryUrl?: string;
  /** Prefix of PRM's topic names (a shared cluster or a test run), default none: `prm.requests`. */
  topicPrefix?: string;
  clientId?: string;
  /** Clock validation measures future skew against. Default Date.now. */
  now?: () => number;
}

/** Where a request (or, for a batch, the first request of a partition) was written. */
export interface PublishResult {
  topic: string;
  partition: number;
  offset: string;
}

export interface RequestProducer {
  readonly topic: string;
  publishExecutionRequest(request: ExecutionRequest): Promise<PublishResult>;
  /** One batch, in order per user, all or nothing on validation; one result per partition written. */
  publishExecutionRequests(requests: readonly ExecutionRequest[]): Promise<PublishResult[]>;
  close(): Promise<void>;
}

export async function createRequestProducer(options: RequestProducerOptions = {}): Promise<RequestProducer> {
  const endpoints = options.brokers && options.registryUrl ? undefined : resolveEndpoints({ DATABASE_URL: 'unused', ...process.env });
  const brokers = options.brokers ?? endpoints!.kafkaBrokers;
  const registryUrl = options.registryUrl ?? endpoints!.schemaRegistryUrl;
  const now = options.now ?? Date.now;
  const spec = findTopic(`${options.topicPrefix ?? ''}prm.requests`, prefixedCatalogue(options.topicPrefix ?? '', topicCatalogue));
  const serde = await EventSerde.start({ registry: { url: registryUrl }, topics: [spec] });
  const kafka = new Kafka({ clientId: options.clientId ?? 'prm-request-producer', brokers, logLevel: logLevel.NOTHING });
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
  await producer.connect();

  const encode = (request: ExecutionRequest) => {
    const violations = validateEvent('ExecutionRequest', request, { now: now() });
    if (violations.length > 0) throw new InvalidRecordError(violations, serde.schemaId(spec.name));
    const { key, value } = serde.message<'ExecutionRequest'>(spec.name, request);
    return { key, value, timestamp: String(request.submittedAt.getTime()) };
  };
  const send = async (requests: readonly ExecutionRequest[]) => {
    const messages = requests.map(encode);
    if (messages.length === 0) return [];
    return producer.send({ topic: spec.name, acks: -1, compression: CompressionTypes.None, messages });
  };
  return {
    topic: spec.name,
    async publishExecutionRequest(request) {
      const [written] = await send([request]);
      return { topic: spec.name, partition: written!.partition, offset: written!.baseOffset ?? '0' };
    },
    async publishExecutionRequests(requests) {
      return (await send(requests)).map((m) => ({ topic: spec.name, partition: m.partition, offset: m.baseOffset ?? '0' }));
    },
    close: () => producer.disconnect(),
  };
}
