import { PartitionAssigners, type Consumer, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { RegistryConnection } from '../../schemas/registry-http';
import type { ValidationLimits } from '../../schemas/validation';
import { EventSerde } from '../../schemas/serde';
import { findTopic, prefixedCatalogue, type TopicSpec } from '../../schemas/topics';
import { createDeadLetterPublisher } from '../../streams/dead-letters';
import { systemClock, type Clock } from '../../streams/runtime/clock';
import { isRebalanceError } from '../../streams/runtime/kafka/fencing';
import { removePreviousIncarnations, tagWithInstance } from '../../streams/runtime/kafka/previous-incarnation';
import { instanceIdProblem } from '../../streams/runtime/instance-id';
import { jsonLogger, type Logger } from '../../streams/runtime/logger';
import { createBatchWriter } from '../batch-writer';
import type { Database } from '../database';
import type { RetryOptions } from '../retry';
import { sinkBatch, type SinkRecord } from './batch-processor';
import { selectRoutes, type SinkRoute } from './routes';

export interface SinkConsumerOptions {
  kafka: Kafka;
  registry: RegistryConnection;
  /** A migrated database (see `migrate`). The consumer does not close it. */
  database: Database;
  /** Catalogue names of the topics to sink (unprefixed). Default: every topic with a sink route. */
  topics?: readonly string[];
  /** Prefix of every topic name, dead-letter topic included (a shared cluster, a test run). Default ''. */
  prefix?: string;
  /** Consumer group; instances in one group share the partitions. Default 'prm-sinks'. */
  groupId?: string;
  /** Where a group without committed offsets starts. Default true: history is wanted whole. */
  fromBeginning?: boolean;
  /** How the writer retries while the database is down. Default: forever (stall, never drop). */
  writeRetry?: Omit<RetryOptions, 'signal'>;
  /** Heartbeats sent while a write is stalled, so the group keeps the partitions. Default 3000 ms. */
  heartbeatIntervalMs?: number;
  sessionTimeoutMs?: number;
  /**
   * This sink's id, kept across its restarts and unique among the group's live members (as
   * `prm run --instance-id`): restarted, it removes the member its killed predecessor left in the
   * group instead of waiting for that member's session to time out. Default: none.
   */
  instanceId?: string;
  /**
   * Validation of decoded events against `clock`. A simulation whose event times run ahead of
   * the wall clock raises `maxFutureSkewMs`, or its events are dead-lettered as INVALID_VALUE.
   */
  validationLimits?: Partial<ValidationLimits>;
  clock?: Clock;
  logger?: Logger;
}

export interface SinkStats {
  records: number;
  inserted: number;
  duplicates: number;
  deadLettered: number;
  batches: number;
  /** Committed offsets by `topic:partition`. */
  committed: Record<string, string>;
  /** Set while a write is being retried (the database is unreachable), with the first failure time. */
  stalledSince: number | null;
  /** When the first batch arrived and the last one was committed (clock ms): the busy span, for rates. */
  firstBatchAt: number | null;
  lastCommitAt: number | null;
}

export interface SinkConsumer {
  /** The Kafka topics read, prefixed. */
  readonly topics: readonly string[];
  readonly deadLetterTopic: string;
  /** Starts the serde, connects and subscribes; resolves once the consumer runs. */
  start(): Promise<void>;
  /** Stops fetching, abandons a stalled write (its batch is not committed) and disconnects. */
  stop(): Promise<void>;
  stats(): SinkStats;
}

/** Pause before a consumer kafkajs gave up on is replaced by a new one. */
const RESTART_DELAY_MS = 2000;

/** What a sink's members name in their metadata: its group and instance id. */
export function sinkInstance(groupId: string, instanceId: string): string {
  return `${groupId}.${instanceId}`;
}

/**
 * The Kafka side of the sinks: reads the catalogued topics with eachBatch, writes each
 * partition batch's rows in one transaction and commits the batch's offsets only after COMMIT.
 * A crash or a rebalance between the two replays the batch, which the idempotent writer
 * stores nothing of twice. Bad records go to the dead-letter topic with their reason.
 */
export function createSinkConsumer(options: SinkConsumerOptions): SinkConsumer {
  const {
    kafka, registry, database, prefix = '', groupId = 'prm-sinks', fromBeginning = true,
    heartbeatIntervalMs = 3000, sessionTimeoutMs = 30_000, clock = systemClock, logger = jsonLogger().child({ component: 'sink' }),
  } = options;
  if (!(heartbeatIntervalMs > 0 && heartbeatIntervalMs < sessionTimeoutMs)) {
    throw new RangeError(`heartbeatIntervalMs must be positive and below sessionTimeoutMs (${sessionTimeoutMs}), got ${heartbeatIntervalMs}`);
  }
  const refused = options.instanceId === undefined ? undefined : instanceIdProblem(options.instanceId);
  if (refused) throw new RangeError(`instanceId ${refused}`);
  const instance = options.instanceId === undefined ? undefined : sinkInstance(groupId, options.instanceId);
  const catalogue = prefixedCatalogue(prefix);
  const routes = new Map<string, { route: SinkRoute; spec: TopicSpec }>();
  for (const route of selectRoutes(options.topics)) {
    routes.set(`${prefix}${route.topic}`, { route, spec: findTopic(`${prefix}${route.topic}`, catalogue) });
  }
  const dlqSpec = findTopic(`${prefix}prm.dlq`, catalogue);

  const abort = new AbortController();
  const stats: SinkStats = { records: 0, inserted: 0, duplicates: 0, deadLettered: 0, batches: 0, committed: {}, stalledSince: null, firstBatchAt: null, lastCommitAt: null };
  const writer = createBatchWriter(database, {
    retry: { ...options.writeRetry, signal: abort.signal },
    log: (line) => {
      stats.stalledSince ??= clock.now();
      logger.warn(line);
    },
  });
  let consumer: Consumer | undefined;
  let producer: Producer | undefined;
  let restart: Promise<void> | undefined;

  async function handle(serde: EventSerde, deadLetters: ReturnType<typeof createDeadLetterPublisher>, payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, resolveOffset, isRunning, isStale } = payload;
    const target = routes.get(batch.topic);
    if (!target || batch.isEmpty()) return;
    stats.firstBatchAt ??= clock.now();
    const records: SinkRecord[] = batch.messages.map((m) => ({
      topic: batch.topic, partition: batch.partition, offset: m.offset, timestamp: m.timestamp, key: m.key, value: m.value, headers: m.headers,
    }));
    // Heartbeats keep the partitions while a write waits for the database; a failed heartbeat
    // means a rebalance is under way, which the commit below then learns about.
    const keepAlive = setInterval(() => heartbeat().catch(() => undefined), heartbeatIntervalMs);
    let outcome;
    try {
      outcome = await sinkBatch(target.route, records, {
        decode: (topic, value) => serde.read(topic, value, { now: clock.now(), limits: options.validationLimits }),
        write: (batches) => writer.write(batches),
        deadLetter: async (record, error) => {
          const letter = await deadLetters.publish(record, error);
          logger.warn('record dead-lettered', { topic: record.topic, partition: record.partition, offset: record.offset, reason: letter.reason, error: letter.errorMessage });
        },
      });
    } finally {
      clearInterval(keepAlive);
    }
    stats.stalledSince = null;
    stats.records += outcome.records;
    stats.inserted += outcome.inserted;
    stats.duplicates += outcome.duplicates;
    stats.deadLettered += outcome.deadLettered;
    stats.batches += 1;
    // The rows are durable. If the partition moved meanwhile, its new owner replays the batch
    // and the writer skips every row; committing here would fail anyway.
    if (!isRunning() || isStale()) return;
    try {
      await (consumer as Consumer).commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: outcome.nextOffset }]);
    } catch (error) {
      // A rebalance began while the rows were written: kafkajs rejoins by itself, and whoever
      // owns the partition next replays the batch, of which the writer stores nothing twice.
      if (!isRebalanceError(error)) throw error;
      logger.warn('batch offsets not committed: the group is rebalancing; the batch will be replayed', { topic: batch.topic, partition: batch.partition, error: (error as Error).message });
      return;
    }
    resolveOffset(batch.lastOffset());
    stats.committed[`${batch.topic}:${batch.partition}`] = outcome.nextOffset;
    stats.lastCommitAt = clock.now();
    logger.debug('batch sunk', { topic: batch.topic, partition: batch.partition, ...outcome });
    await heartbeat();
  }

  /** A killed predecessor's member would hold its partitions until its session timed out. */
  async function removePredecessors(tag: string): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const removed = await removePreviousIncarnations(admin, groupId, tag);
      if (removed.length > 0) logger.info('removed the members an earlier run of this sink left in the group', { groupId, members: removed });
    } finally {
      await admin.disconnect();
    }
  }

  return {
    topics: [...routes.keys()],
    deadLetterTopic: dlqSpec.name,
    async start() {
      if (consumer) throw new Error('sink consumer already started');
      const serde = await EventSerde.start({ registry, topics: [...[...routes.values()].map((r) => r.spec), dlqSpec] });
      producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const deadLetters = createDeadLetterPublisher({ serde, send: producer.send.bind(producer), clock, topic: dlqSpec.name, processor: `sink:${groupId}` });
      const run = async () => {
        const c = kafka.consumer({
          groupId, sessionTimeout: sessionTimeoutMs, heartbeatInterval: heartbeatIntervalMs,
          partitionAssigners: [instance === undefined ? PartitionAssigners.roundRobin : tagWithInstance(PartitionAssigners.roundRobin, instance)],
        });
        consumer = c;
        c.on(c.events.CRASH, (event) => {
          logger.error('sink consumer crashed', { error: event.payload.error.message, restart: event.payload.restart });
          // kafkajs gives up on errors it deems final; the sink must not: history would stop
          // landing while the processors go on. A new member replays from the committed offsets.
          if (!event.payload.restart && !abort.signal.aborted) restart = restartAfter(c);
        });
        await c.connect();
        if (instance !== undefined) await removePredecessors(instance);
        await c.subscribe({ topics: [...routes.keys()], fromBeginning });
        await c.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          eachBatch: (payload) => handle(serde, deadLetters, payload),
        });
      };
      const restartAfter = async (crashed: Consumer) => {
        await crashed.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, RESTART_DELAY_MS));
        if (abort.signal.aborted) return;
        await run().then(
          () => logger.info('sink consumer restarted', { groupId }),
          (error: Error) => logger.error('sink consumer did not restart', { groupId, error: error.message }),
        );
      };
      await run();
      logger.info('sink consumer running', { groupId, topics: [...routes.keys()], deadLetterTopic: dlqSpec.name });
    },
    async stop() {
      abort.abort();
      await restart;
      await consumer?.disconnect();
      await producer?.disconnect();
    },
    stats: () => ({ ...stats, committed: { ...stats.committed } }),
  };
}
