import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import type { LogFollower } from './follower';
import { encodeRecord, type LogRecord } from './records';

/** Kafka is unreachable or the topic cannot serve as the registry's log: fatal at start-up. */
export class KafkaLogError extends Error {
  override name = 'KafkaLogError';
}

export interface KafkaLogOptions {
  brokers: string[];
  topic: string;
  follower: LogFollower;
  log: (line: string) => void;
  /** Called when the log cannot be followed: its consumer stopped during start-up, or a record is unreadable. The process should exit. */
  onFatal: (error: Error) => void;
  /** How long start-up may take to read the topic to its end (default 120 s). */
  catchUpTimeoutMs?: number;
}

export interface KafkaLog {
  append(proposal: string, record: LogRecord): Promise<void>;
  close(): Promise<void>;
}

/**
 * The registry's log on Kafka: a compacted single-partition topic (one partition gives the one
 * total order the state machine needs). Every instance consumes it from the beginning in its
 * own throwaway consumer group, committing nothing, and resolves only once it has read to the
 * end offset seen at start-up.
 */
export async function openKafkaLog({ brokers, topic, follower, log, onFatal, catchUpTimeoutMs = 120_000 }: KafkaLogOptions): Promise<KafkaLog> {
  const kafka = new Kafka({
    clientId: 'prm-schema-registry',
    brokers,
    connectionTimeout: 3000,
    retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => log(`kafkajs ${entry.namespace}: ${entry.log.message}`),
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new KafkaLogError(`cannot reach Kafka at ${brokers.join(',')}: ${rootMessage(err)}`);
  }
  // Not idempotent on purpose: a retried send that lands twice is a duplicate the state machine
  // already ignores (same schema, same config, delete of a deleted subject), and an idempotent
  // producer would want unbounded retries. One request in flight keeps this instance's writes in order.
  const producer = kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  // The log's reader outlives a broker restart. Once serving, a reader that stops (its retries
  // ran out, or kafkajs deemed the error final, as it does a coordinator lost in a rebalance while
  // the broker went away) is replaced by a new one in a new throwaway group, which reads the log
  // again from the start: the follower skips what it has applied. kafkajs' own restart is off
  // so that every stop takes this one path. Writes fail meanwhile and callers get a 5xx to
  // retry; reads are served from memory.
  const newConsumer = () =>
    kafka.consumer({
      groupId: `prm-schema-registry-${randomUUID()}`, maxWaitTimeInMs: 500, allowAutoTopicCreation: false,
      retry: { retries: 4, initialRetryTime: 300, maxRetryTime: 3000, restartOnFailure: async () => false },
    });
  let consumer = newConsumer();
  let serving = false;
  let closed = false;
  let replacing: Promise<void> = Promise.resolve();
  let caughtUp: () => void = () => undefined;
  const atEnd = new Promise<void>((resolve) => (caughtUp = resolve));
  let endOffset = 0;

  const follow = async (reader: typeof consumer): Promise<void> => {
    reader.on(reader.events.CRASH, ({ payload }) => {
      if (payload.restart || reader !== consumer || closed) return;
      const reason = rootMessage(payload.error);
      // A broker restarted with offsets to load answers "the coordinator is loading" until it has
      // read them, which can outlast kafkajs' retries: while starting, such a stop is replaced
      // like one while serving, and the catch-up timeout still bounds the start.
      if (!serving && !isTransient(payload.error)) {
        onFatal(new KafkaLogError(`the registry topic consumer stopped: ${reason}`));
        return;
      }
      log(`the registry topic consumer stopped (${reason}); following ${topic} with a new one`);
      replacing = replaceReader(reader);
    });
    // The end can be a record no handler sees (a tombstone the cleaner removed); kafkajs still
    // reports the batch that read past it, after its messages are applied.
    reader.on(reader.events.END_BATCH_PROCESS, ({ payload }) => {
      if (Number(payload.lastOffset) + 1 >= endOffset) caughtUp();
    });
    await reader.connect();
    await reader.subscribe({ topic, fromBeginning: true });
    await reader.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        try {
          follower.apply(Number(message.offset), message.value);
        } catch (err) {
          onFatal(new KafkaLogError(`cannot read topic ${topic}: ${(err as Error).message}; point --topic at another topic or delete this one`));
          throw err;
        }
        if (follower.position >= endOffset) caughtUp();
      },
    });
  };

  const replaceReader = async (stopped: typeof consumer): Promise<void> => {
    await stopped.disconnect().catch(() => undefined);
    for (let attempt = 1; !closed; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 500 * attempt)));
      if (closed) return;
      const next = newConsumer();
      consumer = next;
      try {
        await follow(next);
        log(`following ${topic} again from offset ${follower.position}`);
        return;
      } catch (err) {
        log(`could not follow ${topic} yet (${rootMessage(err)}); trying again`);
        await next.disconnect().catch(() => undefined);
      }
    }
  };

  try {
    // A topic just created can be unknown to the broker's metadata for a moment (KRaft propagation).
    const [end] = await retryWhileRetriable(async () => {
      await ensureTopic(admin, topic, log);
      return admin.fetchTopicOffsets(topic);
    });
    endOffset = Number(end?.high ?? 0);
    await producer.connect();
    await follow(consumer);
    if (endOffset === 0) caughtUp();
    await withTimeout(atEnd, catchUpTimeoutMs, `reading ${topic} to its end offset ${endOffset} took over ${catchUpTimeoutMs} ms`);
    serving = true;
  } catch (err) {
    closed = true;
    await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    throw err instanceof KafkaLogError ? err : new KafkaLogError(`cannot use Kafka topic ${topic}: ${rootMessage(err)}`);
  }
  return {
    async append(proposal, record) {
      const { key, value } = encodeRecord(proposal, record);
      await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    },
    async close() {
      closed = true;
      await replacing;
      await Promise.allSettled([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    },
  };
}

async function ensureTopic(admin: Admin, topic: string, log: (line: string) => void): Promise<void> {
  // Ask first: kafkajs logs an already-existing topic as an error even when told to go on.
  if (!(await admin.listTopics()).includes(topic)) {
    const created = await admin
      .createTopics({
        waitForLeaders: true,
        topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
      })
      .catch((err: unknown) => {
        // Another instance created it between our calls.
        if ((err as { type?: string }).type === 'TOPIC_ALREADY_EXISTS') return false;
        throw err;
      });
    if (created) {
      log(`created topic ${topic} (1 partition, cleanup.policy=compact)`);
      return;
    }
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitions = metadata.topics[0]?.partitions.length ?? 0;
  if (partitions !== 1) throw new KafkaLogError(`topic ${topic} has ${partitions} partitions; the registry needs exactly 1 for one order of schemas`);
  const configs = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic, configNames: ['cleanup.policy'] }] });
  const policy = configs.resources[0]?.configEntries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? '';
  if (!policy.split(',').includes('compact')) {
    throw new KafkaLogError(`topic ${topic} has cleanup.policy=${policy}; the registry needs a compacted topic or its schemas would expire`);
  }
}

async function retryWhileRetriable<T>(action: () => Promise<T>, attempts = 10, delayMs = 500): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

/** The chain of causes kafkajs builds (retries exceeded -> the error retried), outermost first. */
function causes(err: unknown): { message?: string; retriable?: unknown }[] {
  const chain: { message?: string; retriable?: unknown; originalError?: unknown; cause?: unknown }[] = [];
  for (let current = err as (typeof chain)[number] | undefined; current && chain.length < 6; current = (current.originalError ?? current.cause) as typeof current) {
    chain.push(current);
  }
  return chain;
}

/**
 * Whether a stop is worth another reader: some error on its chain says it is retriable (a
 * coordinator loading or moving, a broker away), even when kafkajs' retries ran out around it.
 */
export function isTransient(err: unknown): boolean {
  return causes(err).some((e) => e.retriable === true);
}

/** kafkajs wraps the cause (retries exceeded -> connection error); the innermost says what happened. */
function rootMessage(err: unknown): string {
  return causes(err).at(-1)?.message ?? String(err);
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new KafkaLogError(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
