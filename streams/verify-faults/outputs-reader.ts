import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { EventSerde } from '../../schemas/serde';
import type { Connection } from '../../stack/connection';

/** The topics whose records are counted per request id, by their unprefixed names. */
export const countedTopics = ['prm.requests', 'prm.demand-predictions', 'prm.dispatches', 'prm.telemetry'] as const;
export type CountedTopic = (typeof countedTopics)[number];

/** A record read: its request id and where it is, to look up. */
export interface ReadRecord {
  id: string;
  offset: string;
}

/**
 * Reads the run's request, prediction, dispatch and telemetry topics read_committed (what a
 * downstream consumer would see: aborted writes of a killed processor never show) and hands on
 * the request id of every record, and how far it has read each partition. Runs in its own
 * process (outputs-reader-process.ts).
 */
export class OutputsReader {
  private consumer: Consumer | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly serde: EventSerde,
    private readonly topicPrefix: string,
    private readonly groupId: string,
    /** The records of each batch read. */
    private readonly onRead: (topic: CountedTopic, partition: number, records: ReadRecord[]) => void,
    /**
     * The next offset to read of a partition, after every batch: also after a batch of control
     * records or aborted writes alone, which reaches no eachBatch, so a caller can tell the reader
     * has read a partition to its end.
     */
    private readonly onPosition: (topic: CountedTopic, partition: number, next: string) => void,
  ) {}

  async start(): Promise<void> {
    const kafka = new Kafka({
      ...this.connection.kafka, clientId: this.groupId, logLevel: logLevel.NOTHING,
      // A broker restart takes tens of seconds: keep reconnecting through it.
      retry: { retries: 50, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    const byName = new Map(countedTopics.map((t) => [`${this.topicPrefix}${t}`, t]));
    const consumer = kafka.consumer({ groupId: this.groupId, readUncommitted: false, maxWaitTimeInMs: 200, sessionTimeout: 30_000 });
    this.consumer = consumer;
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.onPosition(byName.get(payload.topic)!, payload.partition, (BigInt(payload.lastOffset) + 1n).toString());
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...byName.keys()], fromBeginning: true });
    await consumer.run({
      // eachBatch, not eachMessage: kafkajs heartbeats after every message of eachMessage, and a
      // heartbeat racing disconnect() after a broker restart reopens a socket nothing closes
      // (the process, a jest worker, then never exits). Batches here are small and quick.
      eachBatch: async ({ batch }) => {
        const records: ReadRecord[] = [];
        for (const message of batch.messages) {
          records.push({ id: (await this.serde.decode<'ExecutionRequest'>(batch.topic, message.value)).requestId, offset: message.offset });
        }
        if (records.length > 0) this.onRead(byName.get(batch.topic)!, batch.partition, records);
      },
    });
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    // Nothing in flight when the connections close (see run()).
    consumer.pause(countedTopics.map((t) => ({ topic: `${this.topicPrefix}${t}` })));
    await new Promise((resolve) => setTimeout(resolve, 500));
    await consumer.disconnect().catch(() => undefined);
  }
}
