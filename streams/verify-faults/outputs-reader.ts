import { type Consumer, Kafka, logLevel } from 'kafkajs';
import type { EventSerde } from '../../schemas/serde';
import type { Connection } from '../../stack/connection';

/** The topics whose records are counted per request id, by their unprefixed names. */
export const countedTopics = ['prm.requests', 'prm.demand-predictions', 'prm.dispatches', 'prm.telemetry'] as const;
export type CountedTopic = (typeof countedTopics)[number];

/**
 * Reads the run's request, prediction, dispatch and telemetry topics read_committed (what a
 * downstream consumer would see: aborted writes of a killed processor never show) and counts the
 * records per request id. A record decoded to no request id of this run is counted as foreign.
 */
export class OutputsReader {
  readonly counts = new Map<CountedTopic, Map<string, number>>(countedTopics.map((t) => [t, new Map()]));
  /** Wall ms of the last record read, per topic. */
  readonly lastReadAt = new Map<CountedTopic, number>();
  private consumer: Consumer | undefined;

  constructor(
    private readonly connection: Connection,
    private readonly serde: EventSerde,
    private readonly topicPrefix: string,
    private readonly groupId: string,
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
    await consumer.connect();
    await consumer.subscribe({ topics: [...byName.keys()], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        const name = byName.get(topic)!;
        const value = await this.serde.decode<'ExecutionRequest'>(topic, message.value);
        const counts = this.counts.get(name)!;
        counts.set(value.requestId, (counts.get(value.requestId) ?? 0) + 1);
        this.lastReadAt.set(name, Date.now());
      },
    });
  }

  count(topic: CountedTopic, requestId: string): number {
    return this.counts.get(topic)!.get(requestId) ?? 0;
  }

  /** Resolves once no record has arrived for `quietMs` (everything committed has been read). */
  async settle(quietMs: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const last = Math.max(0, ...this.lastReadAt.values());
      if (Date.now() - last >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
  }
}
