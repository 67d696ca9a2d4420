import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type ITopicConfig } from 'kafkajs';

/** A kafkajs client on the brokers global setup published (KAFKA_BROKERS). */
export function testKafka(clientId = 'prm-test'): Kafka {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) throw new Error('KAFKA_BROKERS is not set: run integration tests through jest (test/setup/global-setup.ts)');
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

/**
 * Waits until the broker serves every partition of a new topic: the controller has committed
 * it a moment before the broker knows it and has created the partitions' logs; a produce or
 * ListOffsets in that window fails with "This server does not host this topic-partition".
 */
async function untilHosted(admin: Admin, topic: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`topic ${topic} not served ${timeoutMs} ms after creation: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** A topic name no other test or run uses: `test.<label>.<random>`. */
export function uniqueTopicName(label: string): string {
  return `test.${label}.${randomBytes(5).toString('hex')}`;
}

/**
 * Creates unique topics for one test file and deletes them (and nothing else) in `cleanup()`.
 * Usage: `const topics = testTopics(kafka); afterAll(() => topics.cleanup());`
 */
export function testTopics(kafka: Kafka) {
  const created = new Set<string>();
  let admin: Admin | undefined;
  const connected = async () => {
    if (!admin) {
      admin = kafka.admin();
      await admin.connect();
    }
    return admin;
  };
  return {
    /** Creates a topic with a unique name built from `label` and returns the name. */
    async create(label: string, options: Omit<ITopicConfig, 'topic'> = {}): Promise<string> {
      const topic = uniqueTopicName(label);
      const a = await connected();
      created.add(topic);
      // Not waitForLeaders: kafkajs then asks the broker for the topic's metadata once, and a
      // broker whose metadata cache is a moment behind the KRaft controller answers
      // "does not host this topic-partition", which kafkajs does not retry there.
      await a.createTopics({ topics: [{ numPartitions: 1, ...options, topic }] });
      await untilHosted(a, topic);
      return topic;
    },
    /**
     * Deletes one of these topics now and waits until it is gone from metadata. Delete through
     * here, not another admin: a kafkajs client keeps refreshing metadata for the topics it
     * created, and fails once one of them vanished behind its back.
     */
    async delete(topic: string): Promise<void> {
      const a = await connected();
      await a.deleteTopics({ topics: [topic], timeout: 30_000 });
      created.delete(topic);
      // Deletion is asynchronous on the controller.
      for (let i = 0; i < 150 && (await a.listTopics()).includes(topic); i++) await new Promise((r) => setTimeout(r, 200));
    },
    /** Names a topic for cleanup that something else (a producer's auto-create, the code under test) creates. */
    track(topic: string): string {
      created.add(topic);
      return topic;
    },
    async cleanup(): Promise<void> {
      if (!admin) return;
      const existing = new Set(await admin.listTopics());
      const mine = [...created].filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 30_000 });
      await admin.disconnect();
      admin = undefined;
      created.clear();
    },
  };
}
